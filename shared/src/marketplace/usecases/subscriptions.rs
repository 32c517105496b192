//! Organizations' SNS subscriptions to the platform's topics, each with a filter policy on the
//! `organization_id` message attribute so that the subscriber receives only its own events.

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
        let result = sns
            .subscribe()
            .topic_arn(app.config.topic_arn(item.topic.as_str()))
            .protocol(item.protocol.as_str())
            .endpoint(&item.endpoint)
            .attributes("FilterPolicy", filter_policy(org))
            .attributes("FilterPolicyScope", "MessageAttributes")
            .return_subscription_arn(true)
            .send()
            .await;
        let made = match result {
            Ok(out) => {
                let arn = out.subscription_arn.unwrap_or_default();
                app.db
                    .record_topic_subscription(org, &arn)
                    .await
                    .map(|()| arn)
                    .map_err(ApiError::from)
            }
            Err(e) => Err(sns_error("Subscribe", e.into_service_error())),
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

/// Every subscription to the platform's topics (optionally to one endpoint).
pub async fn list(app: &App, q: &SubscriptionQuery) -> Result<SubscriptionList, ApiError> {
    let sns = app.aws.sns().await;
    let mut items = Vec::new();
    for channel in Channel::ALL {
        let topic = app.config.topic_arn(channel.as_str());
        let mut token: Option<String> = None;
        loop {
            let out = sns
                .list_subscriptions_by_topic()
                .topic_arn(&topic)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| sns_error("ListSubscriptionsByTopic", e.into_service_error()))?;
            for s in out.subscriptions() {
                let view = SubscriptionView {
                    subscription_arn: s.subscription_arn().unwrap_or_default().to_owned(),
                    topic_arn: s.topic_arn().unwrap_or_default().to_owned(),
                    protocol: s.protocol().unwrap_or_default().to_owned(),
                    endpoint: s.endpoint().unwrap_or_default().to_owned(),
                };
                if q.endpoint.as_deref().is_none_or(|e| e == view.endpoint) {
                    items.push(view);
                }
            }
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
    }
    Ok(SubscriptionList { items })
}

/// Removes a subscription to one of the platform's topics; any other ARN is not found.
pub async fn unsubscribe(app: &App, arn: &str) -> Result<(), ApiError> {
    let ours = Channel::ALL.iter().any(|c| {
        arn.strip_prefix(&app.config.topic_arn(c.as_str()))
            .is_some_and(|rest| rest.starts_with(':') && rest.len() > 1)
    });
    if !ours {
        return Err(ApiError::not_found("Subscription"));
    }
    let sns = app.aws.sns().await;
    // Whose it is: the organization its filter policy names (it was made by `subscribe`).
    let org = sns
        .get_subscription_attributes()
        .subscription_arn(arn)
        .send()
        .await
        .map_err(|e| sns_error("GetSubscriptionAttributes", e.into_service_error()))?
        .attributes
        .and_then(|a| a.get("FilterPolicy").cloned())
        .and_then(|p| crate::marketplace::subscription::organization_of(&p));
    sns.unsubscribe()
        .subscription_arn(arn)
        .send()
        .await
        .map_err(|e| sns_error("Unsubscribe", e.into_service_error()))?;
    if let Some(org) = org {
        app.db.forget_topic_subscription(org, arn).await?;
    }
    Ok(())
}
