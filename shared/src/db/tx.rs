use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};

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

enum Write {
    Put(Item),
    /// Deletes the item with this key.
    Delete(Item),
    /// Writes nothing: the item with this key must meet the condition.
    Check(Item),
}

/// A transaction under construction (DynamoDB allows up to 100 writes in one).
pub struct Tx {
    table: String,
    puts: Vec<(Write, Cond)>,
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
        self.puts.push((Write::Put(item), cond));
        self
    }

    /// Deletes the item at `pk`/`sk` if `cond` holds (a missing item fails every condition
    /// but `Cond::New`).
    pub fn delete(&mut self, pk: &str, sk: &str, cond: Cond) -> &mut Self {
        let key = Item::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ]);
        self.puts.push((Write::Delete(key), cond));
        self
    }

    /// Writes nothing to the item at `pk`/`sk`, but the transaction holds only if `cond` does:
    /// a write that depends on another item's state it read, without changing it.
    pub fn check(&mut self, pk: &str, sk: &str, cond: Cond) -> &mut Self {
        let key = Item::from([
            ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ]);
        self.puts.push((Write::Check(key), cond));
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
            .map(|(write, cond)| {
                let (expression, names, values) = match cond {
                    Cond::New => ("attribute_not_exists(pk)", vec![], vec![]),
                    Cond::Exists => ("attribute_exists(pk)", vec![], vec![]),
                    Cond::Version(v) => (
                        "#version = :expected",
                        vec![("#version", "version")],
                        vec![(":expected", AttributeValue::N(v.to_string()))],
                    ),
                    Cond::Equals(attr, value) => (
                        "#attr = :expected",
                        vec![("#attr", attr)],
                        vec![(":expected", value)],
                    ),
                };
                let item = match write {
                    Write::Put(item) => {
                        let mut put = Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(item))
                            .condition_expression(expression);
                        for (k, v) in names {
                            put = put.expression_attribute_names(k, v);
                        }
                        for (k, v) in values {
                            put = put.expression_attribute_values(k, v);
                        }
                        let put = put.build().map_err(|e| DbError::Aws(e.to_string()))?;
                        TransactWriteItem::builder().put(put).build()
                    }
                    Write::Delete(key) => {
                        let mut delete = Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(key))
                            .condition_expression(expression);
                        for (k, v) in names {
                            delete = delete.expression_attribute_names(k, v);
                        }
                        for (k, v) in values {
                            delete = delete.expression_attribute_values(k, v);
                        }
                        let delete = delete.build().map_err(|e| DbError::Aws(e.to_string()))?;
                        TransactWriteItem::builder().delete(delete).build()
                    }
                    Write::Check(key) => {
                        let mut check = ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key))
                            .condition_expression(expression);
                        for (k, v) in names {
                            check = check.expression_attribute_names(k, v);
                        }
                        for (k, v) in values {
                            check = check.expression_attribute_values(k, v);
                        }
                        let check = check.build().map_err(|e| DbError::Aws(e.to_string()))?;
                        TransactWriteItem::builder().condition_check(check).build()
                    }
                };
                Ok(item)
            })
            .collect()
    }
}
