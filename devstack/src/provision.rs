//! Creates template.yaml's resources in moto and records their physical names, so that the
//! functions' environment resolves exactly as CloudFormation would resolve it.

use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AttributeDataType, ExplicitAuthFlowsType, PasswordPolicyType,
    SchemaAttributeType, StringAttributeConstraintsType, UserPoolPolicyType, UsernameAttributeType,
};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use serde_json::Value;

use crate::Error;
use crate::template::{Context, Physical, Template};

pub const ACCOUNT: &str = "123456789012";

fn err(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Aws(format!("{what}: {e}"))
}

/// Maps an SDK error to the local stack's error, naming the call that failed.
pub(crate) fn sdk_err<E: std::fmt::Debug>(what: &str) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Aws(format!("{what}: {e:?}"))
}

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// The name CloudFormation would use: the property if the template sets it, else one made
/// from the stack and the logical id.
fn physical_name(ctx: &Context, p: &Value, property: &str, id: &str) -> Result<String, Error> {
    match p.get(property) {
        Some(v) => ctx.resolve(v),
        None => Ok(format!("{}-{id}", ctx.pseudo["AWS::StackName"])),
    }
}

fn key_schema(v: &Value) -> Result<Vec<KeySchemaElement>, Error> {
    list(v)
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().unwrap_or_default())
                .key_type(KeyType::from(k["KeyType"].as_str().unwrap_or_default()))
                .build()
                .map_err(|e| err("key schema")(e.to_string()))
        })
        .collect()
}

async fn create_table(
    sdk: &SdkConfig,
    ctx: &Context,
    id: &str,
    p: &Value,
) -> Result<Physical, Error> {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let name = physical_name(ctx, p, "TableName", id)?;
    let mut req = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::from(
            p["BillingMode"].as_str().unwrap_or("PAY_PER_REQUEST"),
        ))
        .set_key_schema(Some(key_schema(&p["KeySchema"])?));
    for a in list(&p["AttributeDefinitions"]) {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(a["AttributeName"].as_str().unwrap_or_default())
                .attribute_type(ScalarAttributeType::from(
                    a["AttributeType"].as_str().unwrap_or("S"),
                ))
                .build()
                .map_err(|e| err("attribute")(e.to_string()))?,
        );
    }
    for g in list(&p["GlobalSecondaryIndexes"]) {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(g["IndexName"].as_str().unwrap_or_default())
                .set_key_schema(Some(key_schema(&g["KeySchema"])?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            g["Projection"]["ProjectionType"].as_str().unwrap_or("ALL"),
                        ))
                        .build(),
                )
                .build()
                .map_err(|e| err("index")(e.to_string()))?,
        );
    }
    if let Some(view) = p["StreamSpecification"]["StreamViewType"].as_str() {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view))
                .build()
                .map_err(|e| err("stream")(e.to_string()))?,
        );
    }
    let out = req.send().await.map_err(sdk_err("CreateTable"))?;
    let desc = out
        .table_description
        .ok_or_else(|| Error::Aws("CreateTable returned no table".into()))?;
    if let Some(attr) = p["TimeToLiveSpecification"]["AttributeName"].as_str() {
        client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attr)
                    .enabled(true)
                    .build()
                    .map_err(|e| err("ttl")(e.to_string()))?,
            )
            .send()
            .await
            .map_err(sdk_err("UpdateTimeToLive"))?;
    }
    let mut attrs = std::collections::BTreeMap::new();
    attrs.insert("Arn".to_owned(), desc.table_arn.unwrap_or_default());
    if let Some(stream) = desc.latest_stream_arn {
        attrs.insert("StreamArn".to_owned(), stream);
    }
    Ok(Physical {
        reference: name,
        attrs,
    })
}

async fn create_queue(
    sdk: &SdkConfig,
    ctx: &Context,
    id: &str,
    p: &Value,
) -> Result<Physical, Error> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let client = aws_sdk_sqs::Client::new(sdk);
    let name = physical_name(ctx, p, "QueueName", id)?;
    let mut request = client.create_queue().queue_name(&name);
    // What the platform relies on: how long a received message stays hidden, and where SQS
    // moves a message received too often.
    if let Some(v) = p["VisibilityTimeout"].as_u64() {
        request = request.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
    }
    if p["RedrivePolicy"].is_object() {
        let policy = serde_json::json!({
            "deadLetterTargetArn": ctx.resolve(&p["RedrivePolicy"]["deadLetterTargetArn"])?,
            "maxReceiveCount": p["RedrivePolicy"]["maxReceiveCount"].as_u64().unwrap_or(5),
        });
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    let url = request
        .send()
        .await
        .map_err(sdk_err("CreateQueue"))?
        .queue_url
        .unwrap_or_default();
    let arn = format!("arn:aws:sqs:{}:{ACCOUNT}:{name}", ctx.pseudo["AWS::Region"]);
    Ok(Physical {
        reference: url.clone(),
        attrs: [
            ("Arn".to_owned(), arn),
            ("QueueName".to_owned(), name),
            ("QueueUrl".to_owned(), url),
        ]
        .into(),
    })
}

async fn create_key(sdk: &SdkConfig, p: &Value) -> Result<Physical, Error> {
    use aws_sdk_kms::types::{KeySpec, KeyUsageType};
    let client = aws_sdk_kms::Client::new(sdk);
    let out = client
        .create_key()
        .key_spec(KeySpec::from(
            p["KeySpec"].as_str().unwrap_or("SYMMETRIC_DEFAULT"),
        ))
        .key_usage(KeyUsageType::from(
            p["KeyUsage"].as_str().unwrap_or("ENCRYPT_DECRYPT"),
        ))
        .description(p["Description"].as_str().unwrap_or_default())
        .send()
        .await
        .map_err(sdk_err("CreateKey"))?;
    let meta = out
        .key_metadata
        .ok_or_else(|| Error::Aws("CreateKey returned no metadata".into()))?;
    Ok(Physical {
        reference: meta.key_id.clone(),
        attrs: [
            ("Arn".to_owned(), meta.arn.unwrap_or_default()),
            ("KeyId".to_owned(), meta.key_id),
        ]
        .into(),
    })
}

async fn create_topic(
    sdk: &SdkConfig,
    ctx: &Context,
    id: &str,
    p: &Value,
) -> Result<Physical, Error> {
    let client = aws_sdk_sns::Client::new(sdk);
    let name = physical_name(ctx, p, "TopicName", id)?;
    let arn = client
        .create_topic()
        .name(&name)
        .send()
        .await
        .map_err(sdk_err("CreateTopic"))?
        .topic_arn
        .unwrap_or_default();
    Ok(Physical {
        reference: arn.clone(),
        attrs: [("TopicArn".to_owned(), arn), ("TopicName".to_owned(), name)].into(),
    })
}

async fn create_subscription(sdk: &SdkConfig, ctx: &Context, p: &Value) -> Result<Physical, Error> {
    let client = aws_sdk_sns::Client::new(sdk);
    let mut req = client
        .subscribe()
        .topic_arn(ctx.resolve(&p["TopicArn"])?)
        .protocol(ctx.resolve(&p["Protocol"])?)
        .endpoint(ctx.resolve(&p["Endpoint"])?)
        .return_subscription_arn(true);
    if let Some(policy) = p.get("FilterPolicy") {
        req = req.attributes("FilterPolicy", policy.to_string());
    }
    if let Some(raw) = p.get("RawMessageDelivery") {
        req = req.attributes("RawMessageDelivery", ctx.resolve(raw)?);
    }
    let arn = req
        .send()
        .await
        .map_err(sdk_err("Subscribe"))?
        .subscription_arn
        .unwrap_or_default();
    Ok(Physical {
        reference: arn,
        attrs: Default::default(),
    })
}

async fn create_user_pool(
    sdk: &SdkConfig,
    ctx: &Context,
    id: &str,
    p: &Value,
) -> Result<Physical, Error> {
    let client = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let name = physical_name(ctx, p, "UserPoolName", id)?;
    let mut req = client.create_user_pool().pool_name(&name);
    for a in list(&p["UsernameAttributes"]).filter_map(Value::as_str) {
        req = req.username_attributes(UsernameAttributeType::from(a));
    }
    if let Some(admin_only) = p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"].as_bool() {
        req = req.admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(admin_only)
                .build(),
        );
    }
    let pw = &p["Policies"]["PasswordPolicy"];
    if pw.is_object() {
        let flag = |k: &str| pw[k].as_bool().unwrap_or(false);
        req = req.policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(pw["MinimumLength"].as_i64().unwrap_or(8) as i32)
                        .require_lowercase(flag("RequireLowercase"))
                        .require_uppercase(flag("RequireUppercase"))
                        .require_numbers(flag("RequireNumbers"))
                        .require_symbols(flag("RequireSymbols"))
                        .build(),
                )
                .build(),
        );
    }
    for s in list(&p["Schema"]) {
        let mut attr = SchemaAttributeType::builder()
            .name(s["Name"].as_str().unwrap_or_default())
            .attribute_data_type(AttributeDataType::from(
                s["AttributeDataType"].as_str().unwrap_or("String"),
            ))
            .mutable(s["Mutable"].as_bool().unwrap_or(true))
            .required(s["Required"].as_bool().unwrap_or(false));
        let c = &s["StringAttributeConstraints"];
        if c.is_object() {
            attr = attr.string_attribute_constraints(
                StringAttributeConstraintsType::builder()
                    .set_min_length(c["MinLength"].as_str().map(str::to_owned))
                    .set_max_length(c["MaxLength"].as_str().map(str::to_owned))
                    .build(),
            );
        }
        req = req.schema(attr.build());
    }
    let pool = req
        .send()
        .await
        .map_err(sdk_err("CreateUserPool"))?
        .user_pool
        .ok_or_else(|| Error::Aws("no pool".into()))?;
    let pool_id = pool.id.unwrap_or_default();
    Ok(Physical {
        reference: pool_id.clone(),
        attrs: [
            ("Arn".to_owned(), pool.arn.unwrap_or_default()),
            (
                "ProviderName".to_owned(),
                format!(
                    "cognito-idp.{}.amazonaws.com/{pool_id}",
                    ctx.pseudo["AWS::Region"]
                ),
            ),
        ]
        .into(),
    })
}

async fn create_user_pool_client(
    sdk: &SdkConfig,
    ctx: &Context,
    id: &str,
    p: &Value,
) -> Result<Physical, Error> {
    let client = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let name = match p.get("ClientName") {
        Some(v) => ctx.resolve(v)?,
        None => id.to_owned(),
    };
    let mut req = client
        .create_user_pool_client()
        .user_pool_id(ctx.resolve(&p["UserPoolId"])?)
        .client_name(name)
        .generate_secret(p["GenerateSecret"].as_bool().unwrap_or(false));
    for flow in list(&p["ExplicitAuthFlows"]).filter_map(Value::as_str) {
        req = req.explicit_auth_flows(ExplicitAuthFlowsType::from(flow));
    }
    // Which attributes the client may read and write: what keeps a user from rewriting the
    // attributes that decide authorization (moto enforces it with tools/moto_server.py).
    for a in list(&p["ReadAttributes"]).filter_map(Value::as_str) {
        req = req.read_attributes(a);
    }
    for a in list(&p["WriteAttributes"]).filter_map(Value::as_str) {
        req = req.write_attributes(a);
    }
    let c = req
        .send()
        .await
        .map_err(sdk_err("CreateUserPoolClient"))?
        .user_pool_client
        .ok_or_else(|| Error::Aws("no client".into()))?;
    Ok(Physical {
        reference: c.client_id.unwrap_or_default(),
        attrs: Default::default(),
    })
}

async fn create_group(sdk: &SdkConfig, ctx: &Context, p: &Value) -> Result<Physical, Error> {
    let client = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let name = ctx.resolve(&p["GroupName"])?;
    client
        .create_group()
        .user_pool_id(ctx.resolve(&p["UserPoolId"])?)
        .group_name(&name)
        .send()
        .await
        .map_err(sdk_err("CreateGroup"))?;
    Ok(Physical {
        reference: name,
        attrs: Default::default(),
    })
}

/// Resource types the local stack does not create: the functions and the API are run
/// in-process, and IAM has nothing to enforce against moto.
const NOT_CREATED: [&str; 8] = [
    "AWS::Serverless::Function",
    // Alarms and the dashboard watch AWS's own metrics, which moto does not produce.
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::Serverless::HttpApi",
    // Nested applications are provisioned as their own templates (`provision_nested`).
    "AWS::Serverless::Application",
    "AWS::SQS::QueuePolicy",
    "AWS::IAM::Role",
    // Created once the functions they call have their ARNs (below).
    "AWS::Serverless::StateMachine",
];

/// Creates every supported resource, in dependency order, and returns the resolution context.
pub async fn provision(
    sdk: &SdkConfig,
    template: &Template,
    stack: &str,
    region: &str,
) -> Result<Context, Error> {
    let mut ctx = Context::new(stack, region, ACCOUNT);
    ctx.parameters = template.parameter_defaults();
    provision_into(sdk, template, &mut ctx).await?;
    Ok(ctx)
}

/// Provisions a nested application: its parameters are the root's values for it (resolved in
/// the root's context) over its own defaults.
pub async fn provision_nested(
    sdk: &SdkConfig,
    root: &Context,
    app: &crate::template::NestedApp,
) -> Result<Context, Error> {
    let stack = format!("{}-{}", root.pseudo["AWS::StackName"], app.logical_id);
    let mut ctx = Context::new(&stack, &root.pseudo["AWS::Region"], ACCOUNT);
    ctx.parameters = app.template.parameter_defaults();
    for (name, value) in &app.parameters {
        ctx.parameters.insert(name.clone(), root.resolve(value)?);
    }
    provision_into(sdk, &app.template, &mut ctx).await?;
    Ok(ctx)
}

async fn provision_into(
    sdk: &SdkConfig,
    template: &Template,
    ctx: &mut Context,
) -> Result<(), Error> {
    let stack = ctx.pseudo["AWS::StackName"].clone();
    let region = ctx.pseudo["AWS::Region"].clone();
    let order = [
        "AWS::KMS::Key",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolGroup",
    ];
    for kind in order {
        for (id, props) in template.resources_of(kind) {
            let physical = match kind {
                "AWS::KMS::Key" => create_key(sdk, &props).await?,
                "AWS::DynamoDB::Table" => create_table(sdk, ctx, &id, &props).await?,
                "AWS::SQS::Queue" => create_queue(sdk, ctx, &id, &props).await?,
                "AWS::SNS::Topic" => create_topic(sdk, ctx, &id, &props).await?,
                "AWS::SNS::Subscription" => create_subscription(sdk, ctx, &props).await?,
                "AWS::Cognito::UserPool" => create_user_pool(sdk, ctx, &id, &props).await?,
                "AWS::Cognito::UserPoolClient" => {
                    create_user_pool_client(sdk, ctx, &id, &props).await?
                }
                _ => create_group(sdk, ctx, &props).await?,
            };
            ctx.resources.insert(id, physical);
        }
    }
    for (id, r) in template.doc["Resources"].as_object().into_iter().flatten() {
        let kind = r["Type"].as_str().unwrap_or_default();
        if !order.contains(&kind) && !NOT_CREATED.contains(&kind) {
            tracing::warn!(resource = %id, kind, "resource type not created by the local stack");
        }
    }
    // Functions can be referenced by name.
    for (id, _) in template.resources_of("AWS::Serverless::Function") {
        let arn = format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{stack}-{id}");
        ctx.resources.insert(
            id.clone(),
            Physical {
                reference: format!("{stack}-{id}"),
                attrs: [("Arn".to_owned(), arn)].into(),
            },
        );
    }
    for machine in template.state_machines()? {
        let physical = create_state_machine(sdk, ctx, &machine).await?;
        ctx.resources.insert(machine.logical_id.clone(), physical);
    }
    Ok(())
}

/// Creates the state machine in moto, which records its executions; the local stack runs
/// them (`executions`). `Ref` gives its ARN, as in CloudFormation.
async fn create_state_machine(
    sdk: &SdkConfig,
    ctx: &Context,
    machine: &crate::template::StateMachineDef,
) -> Result<Physical, Error> {
    let stack = &ctx.pseudo["AWS::StackName"];
    let name = format!("{stack}-{}", machine.logical_id);
    let arn = aws_sdk_sfn::Client::new(sdk)
        .create_state_machine()
        .name(&name)
        .definition(machine.render(ctx)?.to_string())
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
        .send()
        .await
        .map_err(sdk_err("CreateStateMachine"))?
        .state_machine_arn;
    Ok(Physical {
        reference: arn.clone(),
        attrs: [("Arn".to_owned(), arn), ("Name".to_owned(), name)].into(),
    })
}
