use super::*;

#[test]
fn emails_need_a_local_part_and_a_dotted_domain() {
    for ok in ["a@b.co", "first.last+tag@example.org"] {
        assert!(Email::try_from(ok.to_owned()).is_ok(), "{ok}");
    }
    for bad in [
        "", "a", "a@b", "@b.co", "a@@b.co", "a @b.co", "a@b..co", "a@.co",
    ] {
        assert!(Email::try_from(bad.to_owned()).is_err(), "{bad}");
    }
}

#[test]
fn hosts_follow_the_spec_pattern() {
    for ok in ["https://org.alayacare.com", "https://a-b.c.d.example"] {
        assert!(Host::try_from(ok.to_owned()).is_ok(), "{ok}");
    }
    for bad in [
        "http://org.alayacare.com",
        "https://alayacare.com",
        "https://org.alayacare.com/",
        "https://org.alaya_care.com",
        "https://org..com",
        "org.alayacare.com",
    ] {
        assert!(Host::try_from(bad.to_owned()).is_err(), "{bad}");
    }
}

#[test]
fn a_password_is_never_printed() {
    let p = Password::try_from("s3cret".to_owned()).unwrap();
    assert!(!format!("{p:?}").contains("s3cret"));
    assert!(Password::try_from(String::new()).is_err());
}

#[test]
fn sign_up_requests_refuse_bad_fields() {
    let good = serde_json::json!({
        "approval_id": "x", "username": "admin@example.org", "email": "c@example.org",
        "name": "N", "source": "internal", "password": "p", "phone_number": "1",
        "host": "https://org.example.com",
        "address": {"address": "a", "city": "c", "state": "s", "zip": "z", "country": "CA",
                    "latitude": 1.0, "longitude": 2.0}
    });
    assert!(serde_json::from_value::<OrgSignUpRequest>(good.clone()).is_ok());
    for (field, value) in [
        ("username", serde_json::json!("not-an-email")),
        ("email", serde_json::json!("nope")),
        ("host", serde_json::json!("http://org.example.com")),
        ("name", serde_json::json!("")),
        ("password", serde_json::json!("")),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        assert!(
            serde_json::from_value::<OrgSignUpRequest>(bad).is_err(),
            "{field}"
        );
    }
    let mut no_coords = good.clone();
    no_coords["address"]
        .as_object_mut()
        .unwrap()
        .remove("latitude");
    assert!(serde_json::from_value::<OrgSignUpRequest>(no_coords).is_err());
}
