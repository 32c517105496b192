//! The port over DynamoDB: each operation is one SDK call (or a loop of pages).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, ReturnValue, Select,
    TransactWriteItem, Update,
};

use crate::infra::aws::Aws;
use crate::store::{
    Cond, DbError, Guard, Increment, Item, Query, SortKey, StoreFuture, Table, Tx, Write,
    key_attributes,
};

pub struct DynamoTable {
    aws: Arc<Aws>,
    name: String,
}

impl DynamoTable {
    pub fn new(aws: Arc<Aws>, name: impl Into<String>) -> Self {
        Self {
            aws,
            name: name.into(),
        }
    }

    /// The DynamoDB client, created on first use.
    async fn client(&self) -> &Client {
        self.aws.dynamodb().await
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn aws_error<E, R>(err: SdkError<E, R>) -> DbError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let detail = match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("?"),
            service.message().unwrap_or("")
        ),
        None => format!("{err:?}"),
    };
    DbError::Aws(detail)
}

fn transact_error<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> DbError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error() {
        let conflict = e.cancellation_reasons().iter().any(|r| {
            matches!(
                r.code(),
                Some("ConditionalCheckFailed") | Some("TransactionConflict")
            )
        });
        if conflict {
            return DbError::ConditionFailed;
        }
    }
    aws_error(err)
}

fn is_condition_failure<E, R>(e: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// A projection of `attributes` with a placeholder for every name: several (`status`,
/// `comment`) are reserved words.
fn projection(attributes: &[&str]) -> (String, Vec<(String, String)>) {
    let names: Vec<(String, String)> = attributes
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("#a{i}"), (*a).to_owned()))
        .collect();
    let expression = names
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    (expression, names)
}

/// A condition as DynamoDB takes it: the expression, with its names and values when it has
/// placeholders.
struct Condition {
    expression: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
}

impl From<Cond> for Condition {
    fn from(cond: Cond) -> Self {
        let (expression, placeholder) = match cond {
            Cond::Any => {
                return Self {
                    expression: None,
                    names: None,
                    values: None,
                };
            }
            Cond::New => ("attribute_not_exists(pk)", None),
            Cond::Exists => ("attribute_exists(pk)", None),
            Cond::ExpiredBy(now) => (
                "attribute_not_exists(pk) OR #attr <= :expected",
                Some(("ttl", AttributeValue::N(now.to_string()))),
            ),
            Cond::Version(v) => (
                "#attr = :expected",
                Some(("version", AttributeValue::N(v.to_string()))),
            ),
            Cond::Equals(attr, value) => ("#attr = :expected", Some((attr, value))),
            Cond::PathEquals(path, value) => {
                let names: HashMap<String, String> = path
                    .iter()
                    .enumerate()
                    .map(|(i, name)| (format!("#p{i}"), (*name).to_owned()))
                    .collect();
                let expression = (0..path.len())
                    .map(|i| format!("#p{i}"))
                    .collect::<Vec<_>>()
                    .join(".");
                return Self {
                    expression: Some(format!("{expression} = :expected")),
                    names: Some(names),
                    values: Some(HashMap::from([(":expected".to_owned(), value)])),
                };
            }
        };
        let (names, values) = match placeholder {
            None => (None, None),
            Some((attr, value)) => (
                Some(HashMap::from([("#attr".to_owned(), attr.to_owned())])),
                Some(HashMap::from([(":expected".to_owned(), value)])),
            ),
        };
        Self {
            expression: Some(expression.to_owned()),
            names,
            values,
        }
    }
}

fn transact_items(table: &str, tx: Tx) -> Result<Vec<TransactWriteItem>, DbError> {
    let build = |e: aws_sdk_dynamodb::error::BuildError| DbError::Aws(e.to_string());
    tx.into_writes()?
        .into_iter()
        .map(|(write, cond)| {
            let Condition {
                expression,
                names,
                values,
            } = cond.into();
            // The three builders are different types with the same condition setters.
            macro_rules! conditioned {
                ($builder:expr) => {
                    $builder
                        .table_name(table)
                        .set_condition_expression(expression)
                        .set_expression_attribute_names(names)
                        .set_expression_attribute_values(values)
                        .build()
                        .map_err(build)?
                };
            }
            let transact_item = TransactWriteItem::builder();
            Ok(match write {
                Write::Put(item) => {
                    transact_item.put(conditioned!(Put::builder().set_item(Some(item))))
                }
                Write::Delete(key) => {
                    transact_item.delete(conditioned!(Delete::builder().set_key(Some(key))))
                }
                Write::Check(key) => transact_item
                    .condition_check(conditioned!(ConditionCheck::builder().set_key(Some(key)))),
                // Unconditional (`Tx::add` gives `Cond::Any`): the transaction's other writes
                // carry the conditions.
                Write::Add(key, deltas) => {
                    let adds = (0..deltas.len())
                        .map(|i| format!("#a{i} :a{i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let mut update = Update::builder()
                        .table_name(table)
                        .set_key(Some(key))
                        .update_expression(format!("ADD {adds}"));
                    for (i, (attribute, delta)) in deltas.into_iter().enumerate() {
                        update = update
                            .expression_attribute_names(format!("#a{i}"), attribute)
                            .expression_attribute_values(
                                format!(":a{i}"),
                                AttributeValue::N(delta.to_string()),
                            );
                    }
                    transact_item.update(update.build().map_err(build)?)
                }
            }
            .build())
        })
        .collect()
}

impl DynamoTable {
    /// One `Query` request of `query`, from `start`.
    async fn query_page(
        &self,
        query: &Query<'_>,
        start: Option<Item>,
        count: bool,
    ) -> Result<aws_sdk_dynamodb::operation::query::QueryOutput, DbError> {
        let (pk_attr, sk_attr) = key_attributes(query.index);
        let mut request = self
            .client()
            .await
            .query()
            .table_name(&self.name)
            .set_index_name(query.index.map(str::to_owned))
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(query.pk))
            .scan_index_forward(query.ascending)
            .set_exclusive_start_key(start)
            .set_limit(query.limit.map(|n| i32::try_from(n).unwrap_or(i32::MAX)));
        let range = match query.sk {
            SortKey::Any => None,
            SortKey::BeginsWith(v) => Some(("begins_with(#sk, :sk)", v)),
            SortKey::AtMost(v) => Some(("#sk <= :sk", v)),
            SortKey::After(v) => Some(("#sk > :sk", v)),
            SortKey::Before(v) => Some(("#sk < :sk", v)),
        };
        request = match range {
            None => request.key_condition_expression("#pk = :pk"),
            Some((expression, value)) => request
                .key_condition_expression(format!("#pk = :pk AND {expression}"))
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":sk", s(value)),
        };
        if query.consistent {
            request = request.consistent_read(true);
        }
        if count {
            request = request.select(Select::Count);
        } else if let Some(attributes) = query.attributes {
            let (expression, names) = projection(attributes);
            request = request.projection_expression(expression);
            for (name, attribute) in names {
                request = request.expression_attribute_names(name, attribute);
            }
        }
        request.send().await.map_err(aws_error)
    }
}

impl Table for DynamoTable {
    fn get<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        Box::pin(async move {
            let out = self
                .client()
                .await
                .get_item()
                .table_name(&self.name)
                .key("pk", s(pk))
                .key("sk", s(sk))
                .send()
                .await
                .map_err(aws_error)?;
            Ok(out.item)
        })
    }

    fn query<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, Vec<Item>> {
        Box::pin(async move {
            // DynamoDB answers at most 1 MB a request: follow on until the limit (as the
            // memory table answers) or the end of the partition.
            let mut items: Vec<Item> = Vec::new();
            let mut start: Option<Item> = None;
            loop {
                let remaining = query.limit.map(|n| n.saturating_sub(items.len()));
                let page = Query {
                    limit: remaining,
                    ..query.clone()
                };
                let out = self.query_page(&page, start.take(), false).await?;
                items.extend(out.items.unwrap_or_default());
                let done = query.limit.is_some_and(|n| items.len() >= n);
                match out.last_evaluated_key {
                    Some(key) if !key.is_empty() && !done => start = Some(key),
                    _ => return Ok(items),
                }
            }
        })
    }

    fn count<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let mut total = 0u64;
            let mut start: Option<Item> = None;
            loop {
                let out = self.query_page(&query, start.take(), true).await?;
                total += out.count.max(0) as u64;
                match out.last_evaluated_key {
                    Some(key) if !key.is_empty() => start = Some(key),
                    _ => return Ok(total),
                }
            }
        })
    }

    fn batch_get<'a>(
        &'a self,
        keys: &'a [(String, String)],
        attributes: Option<&'a [&'a str]>,
    ) -> StoreFuture<'a, Vec<Item>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(keys.len());
            let unique = crate::kernel::ids::unique(keys);
            for chunk in unique.chunks(100) {
                let mut request = KeysAndAttributes::builder();
                if let Some(attributes) = attributes {
                    let (expression, names) = projection(attributes);
                    request = request.projection_expression(expression);
                    for (name, attribute) in names {
                        request = request.expression_attribute_names(name, attribute);
                    }
                }
                for (pk, sk) in chunk {
                    request = request.keys(HashMap::from([
                        ("pk".to_owned(), s(pk)),
                        ("sk".to_owned(), s(sk)),
                    ]));
                }
                let mut pending = Some(HashMap::from([(
                    self.name.clone(),
                    request.build().map_err(|e| DbError::Aws(e.to_string()))?,
                )]));
                let mut attempt = 0u32;
                while let Some(request_items) = pending.take() {
                    let out = self
                        .client()
                        .await
                        .batch_get_item()
                        .set_request_items(Some(request_items))
                        .send()
                        .await
                        .map_err(aws_error)?;
                    if let Some(mut responses) = out.responses {
                        found.extend(responses.remove(&self.name).unwrap_or_default());
                    }
                    match out.unprocessed_keys {
                        Some(rest) if !rest.is_empty() => {
                            attempt += 1;
                            if attempt > 8 {
                                return Err(DbError::Aws(
                                    "batch get kept returning unprocessed keys".into(),
                                ));
                            }
                            tokio::time::sleep(std::time::Duration::from_millis(
                                20 << attempt.min(5),
                            ))
                            .await;
                            pending = Some(rest);
                        }
                        _ => {}
                    }
                }
            }
            Ok(found)
        })
    }

    fn put<'a>(&'a self, item: Item) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.client()
                .await
                .put_item()
                .table_name(&self.name)
                .set_item(Some(item))
                .send()
                .await
                .map_err(aws_error)?;
            Ok(())
        })
    }

    fn transact<'a>(&'a self, tx: Tx) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let items = transact_items(&self.name, tx)?;
            if items.is_empty() {
                return Ok(());
            }
            self.client()
                .await
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
                .map_err(transact_error)?;
            Ok(())
        })
    }

    fn delete_existing<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        Box::pin(async move {
            let out = self
                .client()
                .await
                .delete_item()
                .table_name(&self.name)
                .key("pk", s(pk))
                .key("sk", s(sk))
                .condition_expression("attribute_exists(pk)")
                .return_values(ReturnValue::AllOld)
                .send()
                .await;
            match out {
                Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
                Err(e) if is_condition_failure(&e) => Ok(None),
                Err(e) => Err(aws_error(e)),
            }
        })
    }

    fn increment<'a>(&'a self, increment: Increment<'a>) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let mut sets = Vec::new();
            let mut request = self
                .client()
                .await
                .update_item()
                .table_name(&self.name)
                .key("pk", s(increment.pk))
                .key("sk", s(increment.sk))
                .expression_attribute_names("#counter", increment.counter)
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .return_values(ReturnValue::UpdatedNew);
            for (i, (name, value)) in increment.set.into_iter().enumerate() {
                sets.push(format!("#s{i} = :s{i}"));
                request = request
                    .expression_attribute_names(format!("#s{i}"), name)
                    .expression_attribute_values(format!(":s{i}"), value);
            }
            let update = if sets.is_empty() {
                "ADD #counter :one".to_owned()
            } else {
                format!("SET {} ADD #counter :one", sets.join(", "))
            };
            request = match increment.guard {
                Guard::ItemExists => request.condition_expression("attribute_exists(pk)"),
                Guard::Below(limit) => request
                    .condition_expression("attribute_not_exists(#counter) OR #counter < :limit")
                    .expression_attribute_values(":limit", AttributeValue::N(limit.to_string())),
            };
            match request.update_expression(update).send().await {
                Ok(out) => Ok(Some(
                    out.attributes
                        .and_then(|a| {
                            a.get(increment.counter)
                                .and_then(|v| v.as_n().ok())
                                .cloned()
                        })
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or(1),
                )),
                Err(e) if is_condition_failure(&e) => Ok(None),
                Err(e) => Err(aws_error(e)),
            }
        })
    }
}
