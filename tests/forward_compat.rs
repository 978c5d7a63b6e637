//! Forward compatibility: a response with an enum value or a field that a
//! later upstream release adds still decodes.
//!
//! For every operation, the mock's sample response is mutated once per open
//! enum position (the value replaced by one the document does not list) and
//! once per object (an unknown field added). Each mutated body is served by
//! the mock and decoded through the public client.

#![cfg(feature = "mock")]

use pinterest_v5::mock::{
    call_with_samples, check_known_enum_values, operations, response_shapes, MockServer,
};
use serde_json::{json, Value};

const UNLISTED_VALUE: &str = "VALUE_FROM_A_LATER_RELEASE";
const UNKNOWN_FIELD: &str = "field_from_a_later_release";

#[tokio::test]
async fn mutated_responses_still_decode() {
    let mock = MockServer::start().await.unwrap();
    let client = mock.client();
    let mut tried = 0;
    let mut failures = Vec::new();

    for shape in response_shapes() {
        let operation = operations()
            .iter()
            .find(|op| op.operation_id == shape.operation_id)
            .unwrap();
        let sample: Value = serde_json::from_str(operation.body.unwrap()).unwrap();

        let enum_mutations = shape
            .enum_pointers
            .iter()
            .map(|pointer| (*pointer, with_unlisted_value(&sample, pointer)));
        let field_mutations = shape
            .object_pointers
            .iter()
            .map(|pointer| (*pointer, with_unknown_field(&sample, pointer)));

        for (pointer, mutated) in enum_mutations.chain(field_mutations) {
            tried += 1;
            mock.respond(operation.operation_id, operation.status, mutated)
                .unwrap();

            let outcome = call_with_samples(&client, operation.operation_id)
                .await
                .unwrap();
            if let Err(error) = outcome.result {
                failures.push(format!(
                    "{} at {pointer:?}: {error}",
                    operation.operation_id
                ));
            }
        }
    }

    println!(
        "forward compatibility: {tried} mutations tried, {} failed",
        failures.len()
    );
    // Every JSON success body is or contains an object, so each operation
    // contributes at least one mutation; fewer means the shapes are empty.
    assert!(
        tried >= response_shapes().len(),
        "only {tried} mutations for {} operations",
        response_shapes().len()
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} mutations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn known_enum_values_round_trip() {
    let (checked, failures) = check_known_enum_values();

    println!("known enum values: {checked} round-tripped");
    assert!(checked > 1000, "only {checked} known values checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutation_helpers_change_target() {
    let sample = json!({"items": [{"privacy": "PUBLIC", "owner": {"username": "x"}}]});

    let value = with_unlisted_value(&sample, "/items/0/privacy");
    let field = with_unknown_field(&sample, "/items/0/owner");

    assert_eq!(value["items"][0]["privacy"], UNLISTED_VALUE);
    assert_eq!(
        field["items"][0]["owner"][UNKNOWN_FIELD]["nested"],
        json!([1, 2])
    );
    assert_eq!(field["items"][0]["owner"]["username"], "x");
}

fn with_unlisted_value(sample: &Value, pointer: &str) -> Value {
    let mut mutated = sample.clone();
    let target = mutated
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no value at {pointer}"));
    *target = Value::String(UNLISTED_VALUE.to_owned());
    mutated
}

fn with_unknown_field(sample: &Value, pointer: &str) -> Value {
    let mut mutated = sample.clone();
    let target = mutated
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {pointer:?}"));
    target.insert(UNKNOWN_FIELD.to_owned(), json!({"nested": [1, 2]}));
    mutated
}
