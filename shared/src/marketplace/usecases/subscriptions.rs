//! Organizations' SNS subscriptions to the platform's channels. Each organization has its own
//! topic per channel (`<stack>-<channel>-<organization id>`), created and recorded when it first
//! subscribes to the channel; the publisher sends an organization's events to its own topics
//! only. Each subscription also carries the `organization_id` filter policy, so a message on
//! the wrong topic would still not reach it. At 10,000 organizations this stays within SNS's
//! default quotas, where one shared topic per channel would need 200+ filter policies on each
//! (docs/scaling.md §6).

use aws_sdk_sns::error::ProvideErrorMetadata;

use crate::edge::error::ApiError;
use crate::events::Channel;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::quota::Quota;
use crate::kernel::time::now;
use crate::marketplace::subscription::{Subscription, check_endpoint, filter_policy};
use crate::marketplace::wire::organizations::{SubscribeItem, SubscribedItem, SubscriptionQuery};
use crate::store::MAX_TRANSACTION_ITEMS;
use crate::store::db::DbError;
use crate::store::idempotency::{Once, answered_first, key_item};

fn sns_error<E: ProvideErrorMetadata + std::fmt::Debug>(what: &str, e: E) -> ApiError {
    match e.code() {
        Some("NotFound") => ApiError::not_found("Subscription"),
        Some("InvalidParameter") => {
            ApiError::bad_request(e.message().unwrap_or("Invalid subscription parameter"))
        }
        _ => ApiError::internal(format!("SNS {what}: {e:?}")),
    }
}

/// Subscribes `org` to each topic and answers what `respond` makes of the subscriptions. Every
/// item is checked before any subscription is made; the subscriptions are then recorded in one
/// transaction, with the request's idempotency key (`once`), so a request subscribes all or
/// nothing: when a subscribe or the transaction fails, the subscriptions this request made and
/// nothing recorded are removed again (a repeated one, which SNS answers with the ARN it
/// already had, is recorded and stays).
pub async fn subscribe<T: serde::Serialize>(
    app: &App,
    org: OrgId,
    items: Vec<SubscribeItem>,
    once: Option<Once>,
    respond: impl FnOnce(Vec<SubscribedItem>) -> T,
) -> Result<T, ApiError> {
    for item in &items {
        check_endpoint(
            item.protocol,
            &item.endpoint,
            app.config.allow_sqs_subscriptions,
        )?;
    }
    // The records and the key item are one transaction.
    if items.len() >= MAX_TRANSACTION_ITEMS {
        return Err(ApiError::bad_request(format!(
            "subscriptions: at most {} in one request",
            MAX_TRANSACTION_ITEMS - 1
        )));
    }
    // A repeated subscription (same topic, protocol, endpoint) counts again here although SNS
    // answers it with the existing ARN: the quota errs towards refusing.
    Quota {
        what: "topic subscriptions",
        per: "organization",
        max: app.config.max_topic_subscriptions_per_organization,
    }
    .admits(app.db.topic_subscription_count(org).await?, items.len())?;
    let mut done: Vec<SubscribedItem> = Vec::with_capacity(items.len());
    for item in items {
        match subscribe_endpoint(app, item.topic, org, item.protocol.as_str(), &item.endpoint).await
        {
            Ok(subscription_arn) => done.push(SubscribedItem {
                subscription_arn,
                item,
            }),
            Err(e) => {
                let made: Vec<String> = done.iter().map(|d| d.subscription_arn.clone()).collect();
                undo_arns(app, org, &made).await;
                return Err(e);
            }
        }
    }
    let arns: Vec<String> = done.iter().map(|d| d.subscription_arn.clone()).collect();
    let response = respond(done);
    let also = key_item(once, &response, now())?;
    if let Err(e) = app.db.record_topic_subscriptions(org, &arns, also).await {
        // A concurrent request with the same key recorded the same subscriptions (the same
        // request made them again), which stay; anything else is undone.
        undo_arns(app, org, &arns).await;
        return Err(match e {
            DbError::ConditionFailed => answered_first(),
            e => e.into(),
        });
    }
    Ok(response)
}

/// Unsubscribes those of `arns` that the platform has no record of (a failed request's own).
async fn undo_arns(app: &App, org: OrgId, arns: &[String]) {
    let recorded = match app.db.recorded_topic_subscriptions(org, arns).await {
        Ok(recorded) => recorded,
        Err(e) => {
            tracing::error!(error = %e, "could not read which subscriptions to undo");
            return;
        }
    };
    let sns = app.aws.sns().await;
    for arn in arns.iter().filter(|a| !recorded.contains(*a)) {
        if let Err(undo) = sns.unsubscribe().subscription_arn(arn).send().await {
            tracing::error!(arn = %arn, error = ?undo, "could not undo a subscription");
        }
    }
}

/// Subscribes `endpoint` to `org`'s topic of `channel` (opening the topic), with the filter
/// policy on `org`: the subscription ARN. What a tenant's subscription, the local stack's
/// `events` and the tests' subscribers all make; only [`subscribe`] checks and counts it.
pub async fn subscribe_endpoint(
    app: &App,
    channel: Channel,
    org: OrgId,
    protocol: &str,
    endpoint: &str,
) -> Result<String, ApiError> {
    let topic_arn = open_topic(app, channel, org).await?;
    let out = app
        .aws
        .sns()
        .await
        .subscribe()
        .topic_arn(topic_arn)
        .protocol(protocol)
        .endpoint(endpoint)
        .attributes("FilterPolicy", filter_policy(org))
        .attributes("FilterPolicyScope", "MessageAttributes")
        .return_subscription_arn(true)
        .send()
        .await
        .map_err(|e| sns_error("Subscribe", e.into_service_error()))?;
    Ok(out.subscription_arn.unwrap_or_default())
}

/// `org`'s topic of `channel`, created if it does not exist yet (`CreateTopic` answers an
/// existing topic's ARN) and recorded before anything subscribes to it, so the publisher
/// publishes to it from the first subscription on.
pub async fn open_topic(app: &App, channel: Channel, org: OrgId) -> Result<String, ApiError> {
    let topic_arn = app
        .aws
        .sns()
        .await
        .create_topic()
        .name(app.config.topic_name(channel, org))
        // Encrypted at rest with the AWS-managed key, whose policy already lets SNS use it.
        .attributes("KmsMasterKeyId", "alias/aws/sns")
        .send()
        .await
        .map_err(|e| sns_error("CreateTopic", e.into_service_error()))?
        .topic_arn
        .unwrap_or_else(|| app.config.topic_arn(channel, org));
    app.db
        .record_organization_topic(channel, org, &topic_arn)
        .await?;
    Ok(topic_arn)
}

/// Every subscription to the organizations' topics of this stack (optionally to one
/// endpoint). Read from SNS's account-wide list, 100 a call, so this sys_admin read grows with
/// the account's subscriptions.
pub async fn list(app: &App, q: &SubscriptionQuery) -> Result<Vec<Subscription>, ApiError> {
    let sns = app.aws.sns().await;
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = sns
            .list_subscriptions()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sns_error("ListSubscriptions", e.into_service_error()))?;
        for s in out.subscriptions() {
            let view = Subscription {
                subscription_arn: s.subscription_arn().unwrap_or_default().to_owned(),
                topic_arn: s.topic_arn().unwrap_or_default().to_owned(),
                protocol: s.protocol().unwrap_or_default().to_owned(),
                endpoint: s.endpoint().unwrap_or_default().to_owned(),
            };
            let ours = app.config.topic_of_arn(&view.topic_arn).is_some();
            if ours && q.endpoint.as_deref().is_none_or(|e| e == view.endpoint) {
                items.push(view);
            }
        }
        match out.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(items)
}

/// Removes a subscription to one of the platform's topics; any other ARN is not found.
pub async fn unsubscribe(app: &App, arn: &str) -> Result<(), ApiError> {
    // Whose it is: the organization its topic belongs to.
    let owner = arn
        .rsplit_once(':')
        .filter(|(_, id)| !id.is_empty())
        .and_then(|(topic, _)| app.config.topic_of_arn(topic));
    let Some((_, org)) = owner else {
        return Err(ApiError::not_found("Subscription"));
    };
    let sns = app.aws.sns().await;
    sns.unsubscribe()
        .subscription_arn(arn)
        .send()
        .await
        .map_err(|e| sns_error("Unsubscribe", e.into_service_error()))?;
    app.db.forget_topic_subscription(org, arn).await?;
    Ok(())
}
