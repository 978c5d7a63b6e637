//! Behaviour of generated types that the normalization passes guarantee:
//! distinct enum identifiers with exact wire strings, open enums, ignored
//! unknown fields, nullable enums, discriminated unions, merged error bodies
//! and the query-string formats.

use pinterest_v5::types;
use serde_json::json;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> (T, serde_json::Value) {
    let decoded: T = serde_json::from_value(value).unwrap();
    let encoded = serde_json::to_value(&decoded).unwrap();
    (decoded, encoded)
}

#[test]
fn timezone_values_keep_exact_strings() {
    use types::CatalogsFeedProcessingScheduleTimezone as Zone;

    let plus = Zone::EtcSlashGmtPlus1;
    let minus = Zone::EtcSlashGmtMinus1;

    assert_ne!(plus, minus);
    assert_eq!(serde_json::to_value(&plus).unwrap(), json!("Etc/GMT+1"));
    assert_eq!(serde_json::to_value(&minus).unwrap(), json!("Etc/GMT-1"));
    for known in Zone::KNOWN {
        let (decoded, encoded) = round_trip::<Zone>(json!(known.as_str()));
        assert_eq!(&decoded, known);
        assert_eq!(encoded, json!(known.as_str()));
    }
}

#[test]
fn unknown_enum_value_kept() {
    let (decoded, encoded) = round_trip::<types::BoardPrivacy>(json!("FRIENDS_ONLY"));

    assert_eq!(
        decoded,
        types::BoardPrivacy::Unrecognized("FRIENDS_ONLY".to_owned())
    );
    assert_eq!(encoded, json!("FRIENDS_ONLY"));
}

#[test]
fn unknown_fields_ignored() {
    let board: types::Board = serde_json::from_value(json!({
        "id": "549755885175",
        "name": "Recipes",
        "privacy": "PUBLIC",
        "field_added_in_a_later_release": {"nested": [1, 2, 3]}
    }))
    .unwrap();

    assert_eq!(board.name, "Recipes");
    assert_eq!(board.privacy, types::BoardPrivacy::Public);
}

#[test]
fn ids_stay_exact_strings() {
    let board: types::Board = serde_json::from_value(json!({
        "id": "1234567890123456789",
        "name": "x",
        "privacy": "SECRET"
    }))
    .unwrap();

    assert_eq!(board.id.as_str(), "1234567890123456789");
}

#[test]
fn nullable_enum_accepts_null() {
    let line: types::OrderLine =
        serde_json::from_value(json!({"campaign_ids": [], "paid_type": null})).unwrap();
    let paid: types::OrderLine =
        serde_json::from_value(json!({"campaign_ids": [], "paid_type": "BONUS"})).unwrap();

    assert_eq!(line.paid_type, None);
    assert_eq!(paid.paid_type, Some(types::OrderLinePaidType::Bonus));
}

#[test]
fn pin_media_source_variants_round_trip() {
    let cases = [
        (
            json!({"source_type": "image_base64", "content_type": "image/png", "data": "iVBORw0KGgo="}),
            "ImageBase64",
        ),
        (
            json!({"source_type": "image_url", "url": "https://example.com/a.jpg", "is_standard": true}),
            "ImageUrl",
        ),
        (
            json!({"source_type": "video_id", "media_id": "12345", "cover_image_url": "https://example.com/c.jpg"}),
            "VideoId",
        ),
        (
            json!({"source_type": "multiple_image_base64", "items": [
                {"content_type": "image/png", "data": "iVBORw0KGgo="},
                {"content_type": "image/jpeg", "data": "/9j/4AAQ"}
            ]}),
            "ImagesBase64",
        ),
        (
            json!({"source_type": "multiple_image_urls", "items": [
                {"url": "https://example.com/a.jpg"},
                {"url": "https://example.com/b.jpg"}
            ]}),
            "ImagesUrl",
        ),
        (
            json!({"source_type": "pin_url", "is_affiliate_link": true}),
            "PinUrl",
        ),
    ];

    for (input, variant) in cases {
        let (decoded, encoded) = round_trip::<types::PinMediaSource>(input.clone());

        let debug = format!("{decoded:?}");
        assert!(
            debug.starts_with(&format!("{variant}(")),
            "{input} decoded as {debug}"
        );
        assert_eq!(encoded["source_type"], input["source_type"], "{variant}");
        for (key, value) in input.as_object().unwrap() {
            assert_eq!(
                &encoded[key], value,
                "{variant}.{key} changed in the round trip"
            );
        }
    }
}

#[test]
fn merged_error_keeps_detail() {
    let detailed: types::DetailedErrorOrError = serde_json::from_value(
        json!({"code": 4, "message": "bad event", "details": {"events": [1]}}),
    )
    .unwrap();
    let plain: types::DetailedErrorOrError =
        serde_json::from_value(json!({"code": 2, "message": "nope"})).unwrap();

    assert!(
        matches!(detailed, types::DetailedErrorOrError::DetailedError(ref e) if e.details.contains_key("events"))
    );
    assert!(matches!(plain, types::DetailedErrorOrError::Error(ref e) if e.code == 2));
}

#[cfg(feature = "mock")]
mod on_the_wire {
    use pinterest_v5::mock::{call_with_samples, MockServer};
    use pinterest_v5::types;

    #[tokio::test]
    async fn deep_object_sent_with_brackets() {
        let mock = MockServer::start().await.unwrap();

        let outcome = call_with_samples(&mock.client(), "reports/stats")
            .await
            .unwrap();

        assert!(outcome.result.is_ok(), "{:?}", outcome.result);
        let query = mock.requests()[0].query.clone().unwrap();
        assert!(
            query.contains("parameters%5Bcatalog_type%5D=RETAIL"),
            "{query}"
        );
        assert!(!query.contains("parameters="), "{query}");
    }

    #[tokio::test]
    async fn exploded_array_repeats_key() {
        let mock = MockServer::start().await.unwrap();

        mock.client()
            .ad_groups_list()
            .ad_account_id("549755885175")
            .entity_statuses(vec![
                types::QueryEntityStatusesItem::Active,
                types::QueryEntityStatusesItem::Paused,
            ])
            .send()
            .await
            .unwrap();

        let query = mock.requests()[0].query.clone().unwrap();
        assert_eq!(query, "entity_statuses=ACTIVE&entity_statuses=PAUSED");
    }

    #[tokio::test]
    async fn unexploded_array_joins_with_commas() {
        let mock = MockServer::start().await.unwrap();

        mock.client()
            .catalogs_product_groups_list()
            .id(vec![11, 22, 33])
            .send()
            .await
            .unwrap();

        let query = mock.requests()[0].query.clone().unwrap();
        assert_eq!(query, "id=11%2C22%2C33");
    }
}
