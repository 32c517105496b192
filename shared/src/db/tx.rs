use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::{DbError, Item};

/// The condition a put must meet; every write in the platform is conditional.
#[derive(Clone, Debug)]
pub enum Cond {
    /// The item must not exist yet.
    New,
    /// The item must exist with this `version` (optimistic concurrency).
    Version(u64),
    /// The item must exist with `attribute` equal to `value`.
    Equals(&'static str, AttributeValue),
    /// The item must exist.
    Exists,
}

/// A transaction under construction (DynamoDB allows up to 100 writes in one).
pub struct Tx {
    table: String,
    puts: Vec<(Item, Cond)>,
}

pub const MAX_TRANSACTION_ITEMS: usize = 100;

impl Tx {
    pub fn new(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            puts: Vec::new(),
        }
    }

    pub fn put(&mut self, item: Item, cond: Cond) -> &mut Self {
        self.puts.push((item, cond));
        self
    }

    pub fn len(&self) -> usize {
        self.puts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.puts.is_empty()
    }

    pub(super) fn into_items(self) -> Result<Vec<TransactWriteItem>, DbError> {
        if self.puts.len() > MAX_TRANSACTION_ITEMS {
            return Err(DbError::Aws(format!(
                "{} writes exceed one transaction",
                self.puts.len()
            )));
        }
        self.puts
            .into_iter()
            .map(|(item, cond)| {
                let put = Put::builder().table_name(&self.table).set_item(Some(item));
                let put = match cond {
                    Cond::New => put.condition_expression("attribute_not_exists(pk)"),
                    Cond::Exists => put.condition_expression("attribute_exists(pk)"),
                    Cond::Version(v) => put
                        .condition_expression("#version = :expected")
                        .expression_attribute_names("#version", "version")
                        .expression_attribute_values(":expected", AttributeValue::N(v.to_string())),
                    Cond::Equals(attr, value) => put
                        .condition_expression("#attr = :expected")
                        .expression_attribute_names("#attr", attr)
                        .expression_attribute_values(":expected", value),
                };
                let put = put.build().map_err(|e| DbError::Aws(e.to_string()))?;
                Ok(TransactWriteItem::builder().put(put).build())
            })
            .collect()
    }
}
