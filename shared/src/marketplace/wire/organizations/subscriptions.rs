//! The bodies of organizations' topic subscriptions (sys_admin and org_admin).

use serde::{Deserialize, Serialize};

use crate::marketplace::subscription::Subscription;

/// `SysAdminOrgSubscribeRequest`: one topic subscription.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SubscribeItem {
    pub topic: crate::events::Channel,
    pub protocol: crate::marketplace::subscription::Protocol,
    pub endpoint: String,
}

/// `OrgAdminOrgSubscribeRequest`.
#[derive(Debug, Deserialize)]
pub struct SubscribeRequest {
    pub subscriptions: Vec<SubscribeItem>,
}

/// `OrgAdminOrgSubscribeItemResponse`: the request item and its subscription.
#[derive(Debug, Serialize)]
pub struct SubscribedItem {
    #[serde(flatten)]
    pub item: SubscribeItem,
    pub subscription_arn: String,
}

/// `OrgAdminOrgSubscribeCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct SubscribeResponse {
    pub subscriptions: Vec<SubscribedItem>,
}

/// `SysAdminOrgSubscribeResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionArn {
    pub subscription_arn: String,
}

/// `OrgUnsubscribeRequest`.
#[derive(Debug, Deserialize)]
pub struct UnsubscribeRequest {
    pub subscription_arn: String,
}

/// Query of `GET /organizations/v1/sys_admin/subscriptions`.
#[derive(Debug, Default, Deserialize)]
pub struct SubscriptionQuery {
    pub endpoint: Option<String>,
}

/// `SubscriptionCollectionResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionView {
    pub subscription_arn: String,
    pub topic_arn: String,
    pub protocol: String,
    pub endpoint: String,
}

/// `SubscriptionPageResponse`.
#[derive(Debug, Serialize)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

impl From<&[Subscription]> for SubscriptionList {
    fn from(subscriptions: &[Subscription]) -> Self {
        let view = |s: &Subscription| SubscriptionView {
            subscription_arn: s.subscription_arn.clone(),
            topic_arn: s.topic_arn.clone(),
            protocol: s.protocol.clone(),
            endpoint: s.endpoint.clone(),
        };
        Self {
            items: subscriptions.iter().map(view).collect(),
        }
    }
}
