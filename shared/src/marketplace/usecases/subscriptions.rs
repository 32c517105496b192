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
use crate::marketplace::subscription::{check_endpoint, filter_policy};
use crate::marketplace::wire::organizations::{
    SubscribeItem, SubscribedItem, SubscriptionList, SubscriptionQuery, SubscriptionView,
};

fn sns_error<E: ProvideErrorMetadata + std::fmt::Debug>(what: &str, e: E) -> ApiError {
    match e.code() {
        Some("NotFound") => ApiError::not_found("Subscription"),
        Some("InvalidParameter") => {
            ApiError::bad_request(e.message().unwrap_or("Invalid subscription parameter"))
        }
        _ => ApiError::internal(format!("SNS {what}: {e:?}")),
    }
}

/// Subscribes `org` to each topic. Every item is checked before any subscription is made, and
/// a failure part-way removes the ones already made, so a request subscribes all or nothing.
pub async fn subscribe(
    app: &App,
    org: OrgId,
    items: Vec<SubscribeItem>,
) -> Result<Vec<SubscribedItem>, ApiError> {
    for item in &items {
        check_endpoint(
            item.protocol,
            &item.endpoint,
            app.config.allow_sqs_subscriptions,
        )?;
    }
    // A repeated subscription (same topic, protocol, endpoint) counts again here although SNS
    // answers it with the existing ARN: the quota errs towards refusing.
    Quota {
        what: "topic subscriptions",
        per: "organization",
        max: app.config.max_topic_subscriptions_per_organization,
    }
    .admits(app.db.topic_subscription_count(org).await?, items.len())?;
    let sns = app.aws.sns().await;
    let mut done: Vec<SubscribedItem> = Vec::with_capacity(items.len());
    for item in items {
        let result =
            subscribe_endpoint(app, item.topic, org, item.protocol.as_str(), &item.endpoint).await;
        let made = match result {
            Ok(arn) => app
                .db
                .record_topic_subscription(org, &arn)
                .await
                .map(|()| arn)
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        match made {
            Ok(subscription_arn) => done.push(SubscribedItem {
                subscription_arn,
                item,
            }),
            Err(e) => {
                for made in &done {
                    if let Err(undo) = sns
                        .unsubscribe()
                        .subscription_arn(&made.subscription_arn)
                        .send()
                        .await
                    {
                        tracing::error!(arn = %made.subscription_arn, error = ?undo, "could not undo a subscription");
                    } else if let Err(undo) = app
                        .db
                        .forget_topic_subscription(org, &made.subscription_arn)
                        .await
                    {
                        tracing::error!(arn = %made.subscription_arn, error = %undo, "could not forget an undone subscription");
                    }
                }
                return Err(e);
            }
        }
    }
    Ok(done)
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
pub async fn list(app: &App, q: &SubscriptionQuery) -> Result<SubscriptionList, ApiError> {
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
            let view = SubscriptionView {
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
    Ok(SubscriptionList { items })
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
