//! What the benchmarks that run use cases on the table in memory share: the shipped samples
//! as request bodies, and one demand organization trusting two suppliers.

use serde_json::Value;
use shared::App;
use shared::kernel::ids::OrgId;
use shared::marketplace::common::CareType;
use shared::marketplace::organization::AssignmentMode;

/// The request body of a shipped sample (`events/<handler>.json`).
pub fn sample(handler: &str) -> Value {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_str(event["body"].as_str().expect("a body")).unwrap()
}

/// `v` as the request type a use case takes.
pub fn decode<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("the body decodes")
}

/// Writes a demand organization in `mode` trusting two suppliers that give PSW care and
/// nursing: `(demand, supplier A, supplier B)`.
pub async fn demand_and_two_suppliers(app: &App, mode: AssignmentMode) -> (OrgId, OrgId, OrgId) {
    let (demand, supply_a, supply_b) = (OrgId::new(), OrgId::new(), OrgId::new());
    let db = &app.db;
    db.put_org(&devstack::seed::demand_org(demand, "Maple", mode))
        .await
        .unwrap();
    for id in [supply_a, supply_b] {
        let org = devstack::seed::supply_org(id, "Aspen", &[CareType::Psw, CareType::Nursing]);
        db.put_org(&org).await.unwrap();
        db.add_trusted_supplier(demand, id).await.unwrap();
    }
    (demand, supply_a, supply_b)
}
