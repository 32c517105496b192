//! Replay markers: one item per unit replayed (`REPLAY#<tenant>#<event id>` / the
//! destination), kind `replay_marker`, which no stream consumer's filter lets through.
//!
//! A replay first *claims* the unit with a conditional put (`attribute_not_exists`), so of two
//! operators replaying the same entry at once, one delivers and the other is told it was
//! taken; the claim becomes `replayed` once the unit was handed on, and is deleted when the
//! hand-over failed, so a later run tries again. A run that dies between the two leaves the
//! claim: the unit is then reported as claimed and replayed again only with `--force`, which
//! is the one way to deliver a unit twice.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;

use crate::parked::{Entry, Marker, Unit};
use crate::resolve::batch_get;
use crate::targets::Targets;

pub const KIND: &str = "replay_marker";

/// How long a marker is kept: longer than any parking queue keeps a message (14 days), so
/// an entry never outlives the record of its replay.
pub const TTL_SECONDS: i64 = 15 * 24 * 3600;

/// Reads the markers of every unit of `entries`.
pub async fn look_up(targets: &Targets, entries: &mut [Entry]) -> Result<(), String> {
    let keys: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| e.units.iter().map(Unit::marker_key))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let found = batch_get(targets, keys).await?;
    for unit in entries.iter_mut().flat_map(|e| e.units.iter_mut()) {
        unit.marker = found.get(&unit.marker_key()).map(marker_of);
    }
    Ok(())
}

fn marker_of(item: &HashMap<String, AttributeValue>) -> Marker {
    let s = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    Marker {
        state: s("state"),
        at: s("at"),
        by: s("by"),
        entry: s("entry"),
    }
}

/// What a claim found.
pub enum Claim {
    /// The unit is ours to replay; the token settles the claim.
    Ours(String),
    /// Another replay has it (or had it).
    Taken(Marker),
}

/// Claims `unit` for a replay from `entry` by `by`; with `force`, whatever marker it has.
pub async fn claim(
    targets: &Targets,
    unit: &Unit,
    entry: &str,
    by: &str,
    force: bool,
) -> Result<Claim, String> {
    let (pk, sk) = unit.marker_key();
    let token = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let item = HashMap::from([
        ("pk".to_owned(), s(&pk)),
        ("sk".to_owned(), s(&sk)),
        ("kind".to_owned(), s(KIND)),
        ("state".to_owned(), s("claimed")),
        ("at".to_owned(), s(&now.to_rfc3339())),
        ("by".to_owned(), s(by)),
        ("entry".to_owned(), s(entry)),
        ("event_id".to_owned(), s(&unit.event_id)),
        ("claim".to_owned(), s(&token)),
        (
            "ttl".to_owned(),
            AttributeValue::N((now.timestamp() + TTL_SECONDS).to_string()),
        ),
    ]);
    let mut put = targets
        .dynamodb()
        .put_item()
        .table_name(targets.table())
        .set_item(Some(item));
    if !force {
        put = put.condition_expression("attribute_not_exists(pk)");
    }
    match put.send().await {
        Ok(_) => Ok(Claim::Ours(token)),
        Err(e) => {
            let e = aws_sdk_dynamodb::Error::from(e);
            if !matches!(
                e,
                aws_sdk_dynamodb::Error::ConditionalCheckFailedException(_)
            ) {
                return Err(format!("claiming the replay: {e}"));
            }
            let found = batch_get(targets, vec![(pk.clone(), sk.clone())]).await?;
            let marker = found.get(&(pk, sk)).map(marker_of).unwrap_or(Marker {
                state: "claimed".into(),
                at: String::new(),
                by: String::new(),
                entry: String::new(),
            });
            Ok(Claim::Taken(marker))
        }
    }
}

/// Ends our claim on `unit`: `replayed` when it was handed on, else removed.
pub async fn settle(
    targets: &Targets,
    unit: &Unit,
    token: &str,
    handed_on: bool,
) -> Result<(), String> {
    let (pk, sk) = unit.marker_key();
    let key = HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk)),
    ]);
    let ours = AttributeValue::S(token.to_owned());
    let client = targets.dynamodb();
    // Conditioned on our token: a forced replay that took the marker since keeps it.
    let result = if handed_on {
        client
            .update_item()
            .table_name(targets.table())
            .set_key(Some(key))
            .update_expression("SET #state = :replayed, #at = :at")
            .condition_expression("#claim = :ours")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#at", "at")
            .expression_attribute_names("#claim", "claim")
            .expression_attribute_values(":replayed", AttributeValue::S("replayed".into()))
            .expression_attribute_values(":at", AttributeValue::S(Utc::now().to_rfc3339()))
            .expression_attribute_values(":ours", ours)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_dynamodb::Error::from)
    } else {
        client
            .delete_item()
            .table_name(targets.table())
            .set_key(Some(key))
            .condition_expression("#claim = :ours")
            .expression_attribute_names("#claim", "claim")
            .expression_attribute_values(":ours", ours)
            .send()
            .await
            .map(|_| ())
            .map_err(aws_sdk_dynamodb::Error::from)
    };
    match result {
        Ok(()) | Err(aws_sdk_dynamodb::Error::ConditionalCheckFailedException(_)) => Ok(()),
        Err(e) => Err(format!("recording the replay: {e}")),
    }
}
