//! `POST /organizations/v1/sys_admin/auto_sign_up`: a sign-up and the organization's first
//! configuration in one request, run as a Step Functions execution
//! (`AutoSignUpStateMachine` in stacks/organizations.yaml) of four steps, each a function:
//! sign up, configure the demand persona, configure the supply persona, subscribe.
//!
//! The request is checked before the execution starts, so a request that cannot succeed is
//! answered 400/404/409/422 rather than started. Every step is safe to run again (the state
//! machine retries transient failures): the organization id is chosen here and carried in
//! the input, so a repeated sign-up finds its own organization, and the configuration steps
//! set values rather than add to them. A step that fails for good fails the execution; what
//! the earlier steps did stays, and the sys_admin operations can finish the configuration.
//! See docs/organizations.md.

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::infra::sealed;
use crate::kernel::ids::OrgId;
use crate::marketplace::organization::{self as domain, PersonaStatus, Rejection};
use crate::marketplace::subscription::check_endpoint;
use crate::marketplace::wire::organizations::{
    AutoSignUpExecution, AutoSignUpRequest, Password, SupplyConfiguration,
};

use crate::marketplace::usecases::organizations as orgs;

use crate::identity::sign_up;

use crate::marketplace::usecases::subscriptions;

/// The encryption context of the password in an execution's input: bound to the
/// organization, so the ciphertext opens for this sign-up only.
fn password_context(org: &str) -> [(&'static str, &str); 2] {
    [
        ("organization_id", org),
        ("purpose", "auto_sign_up_password"),
    ]
}

/// Step Functions' limit on an execution's input (256 KiB).
const MAX_INPUT_BYTES: usize = 256 * 1024;

/// The password as an execution's input carries it: sealed with the credentials key for
/// this organization only.
pub async fn seal_password(app: &App, org: OrgId, password: &Password) -> Result<String, ApiError> {
    sealed::seal(
        &app.aws,
        &app.config.credentials_key_id,
        &password_context(&org.to_string()),
        password.expose().as_bytes().to_vec(),
    )
    .await
    .map_err(ApiError::internal)
}

/// Checks the request, then starts its execution; answers the execution's ARN.
pub async fn start(app: &App, req: AutoSignUpRequest) -> Result<String, ApiError> {
    check(app, &req).await?;
    if app.config.auto_sign_up_state_machine_arn.is_empty() {
        return Err(ApiError::internal(
            "AUTO_SIGN_UP_STATE_MACHINE_ARN is not set",
        ));
    }
    let id = OrgId::new();
    let sealed_password = seal_password(app, id, &req.organization.password).await?;
    let input = AutoSignUpExecution {
        organization_id: id,
        username: req.organization.username,
        sealed_password,
        organization: req.organization.details,
        demand_configuration: req.demand_configuration,
        supply_configuration: req.supply_configuration,
        subscriptions: req.subscriptions,
    };
    let input = serde_json::to_string(&input).map_err(ApiError::internal)?;
    if input.len() > MAX_INPUT_BYTES {
        return Err(ApiError::bad_request(format!(
            "the request is too large to run: at most {MAX_INPUT_BYTES} bytes of input"
        )));
    }
    let started = app
        .aws
        .sfn()
        .await
        .start_execution()
        .state_machine_arn(&app.config.auto_sign_up_state_machine_arn)
        // One execution per organization: its name is the id, easy to find in the console.
        .name(id.to_string())
        .input(input)
        .send()
        .await
        .map_err(|e| ApiError::internal(format!("StartExecution: {:?}", e.into_service_error())))?;
    Ok(started.execution_arn)
}

/// What can be known before anything is written: the organization itself, the username and
/// host still free, the endpoints, and the organizations the configuration names.
async fn check(app: &App, req: &AutoSignUpRequest) -> Result<(), ApiError> {
    let org = &req.organization;
    sign_up::new_organization(OrgId::new(), org.username.as_str(), &org.details)?;
    for item in &req.subscriptions {
        check_endpoint(
            item.protocol,
            &item.endpoint,
            app.config.allow_sqs_subscriptions,
        )?;
    }
    let trusted_network = req
        .demand_configuration
        .as_ref()
        .and_then(|d| d.trusted_network.as_deref())
        .unwrap_or_default();
    let trusted_demands = req
        .supply_configuration
        .as_ref()
        .map(|s| s.trusted_demand_personas.as_slice())
        .unwrap_or_default();
    let named = domain::with_added(trusted_network, trusted_demands);
    let found = app.db.get_orgs(&named).await?;
    domain::check_first_configuration(trusted_network, trusted_demands, &found).map_err(
        |r| match r {
            Rejection::UnknownSupplier(id) => ApiError::unprocessable(format!(
                "demand_configuration.trusted_network: {id} is not an organization"
            )),
            Rejection::UnknownDemand(id) => ApiError::unprocessable(format!(
                "supply_configuration.trusted_demand_personas: {id} is not an organization with an active demand persona"
            )),
            other => other.into(),
        },
    )?;
    sign_up::check_available(app, org.username.as_str(), &org.details).await
}

/// Step 1: the organization and its confirmed `org_admin`, with the id the request chose.
pub async fn sign_up(app: &App, input: &AutoSignUpExecution) -> Result<(), ApiError> {
    let org = input.organization_id.to_string();
    let plaintext = sealed::unseal(&app.aws, &input.sealed_password, &password_context(&org))
        .await
        .map_err(ApiError::internal)?;
    let password = String::from_utf8(plaintext)
        .ok()
        .and_then(|p| Password::try_from(p).ok())
        .ok_or_else(|| ApiError::internal("the sealed password is not a password"))?;
    sign_up::sign_up_as(
        app,
        input.organization_id,
        input.username.as_str(),
        &password,
        &input.organization,
    )
    .await?;
    Ok(())
}

/// Step 2, when the request has a `demand_configuration`: the demand persona active, its
/// trusted network exactly the given suppliers, and its offer assignment mode.
pub async fn configure_demand(app: &App, input: &AutoSignUpExecution) -> Result<(), ApiError> {
    let Some(demand) = &input.demand_configuration else {
        return Ok(());
    };
    let id = input.organization_id;
    orgs::set_demand_status(app, id, PersonaStatus::Active).await?;
    if let Some(network) = &demand.trusted_network {
        orgs::set_trusted_network(app, id, network).await?;
    }
    if let Some(mode) = demand.offer_assignment {
        orgs::set_assignment_mode(app, id, mode).await?;
    }
    Ok(())
}

/// Step 3, when the request has a `supply_configuration`: the supply persona active with its
/// care types, and the supplier in the trusted network of each named demand organization.
pub async fn configure_supply(app: &App, input: &AutoSignUpExecution) -> Result<(), ApiError> {
    let Some(SupplyConfiguration {
        care_types,
        trusted_demand_personas,
    }) = &input.supply_configuration
    else {
        return Ok(());
    };
    let id = input.organization_id;
    orgs::set_supply_status(app, id, PersonaStatus::Active).await?;
    orgs::set_care_types(app, id, care_types).await?;
    if !trusted_demand_personas.is_empty() {
        orgs::set_supplier_networks(app, id, trusted_demand_personas).await?;
    }
    Ok(())
}

/// Step 4: the topic subscriptions, each filtered on the organization. SNS answers a repeated
/// identical subscribe with the existing subscription, so a retry makes no duplicates.
pub async fn subscribe(app: &App, input: &AutoSignUpExecution) -> Result<(), ApiError> {
    if input.subscriptions.is_empty() {
        return Ok(());
    }
    subscriptions::subscribe(
        app,
        input.organization_id,
        input.subscriptions.clone(),
        None,
        |_| (),
    )
    .await
}
