//! A first tour of the client: read the account, list boards, create a board,
//! create a Pin from an image URL, and read that Pin's analytics.
//!
//! With no environment it starts the crate's embedded mock on 127.0.0.1 and
//! talks to that:
//!
//! ```text
//! cargo run --example quickstart --features mock
//! ```
//!
//! With `PINTEREST_ACCESS_TOKEN` set it talks to Pinterest (or to
//! `PINTEREST_API_BASE`, such as `https://api-sandbox.pinterest.com/v5`) and
//! really creates the board and the Pin. The token needs the scopes
//! `user_accounts:read`, `boards:read`, `boards:write`, `pins:read` and
//! `pins:write`.

use std::error::Error;

use chrono::{Duration, Utc};
use pinterest_v5::mock::MockServer;
use pinterest_v5::{types, BaseUrl, Client};

const IMAGE_URL: &str =
    "https://i.pinimg.com/originals/7b/d4/4a/7bd44a2c8f7f6a4c5e3a0f4a3a1b2c3d.jpg";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (client, _mock) = connect().await?;
    println!("Talking to {}\n", client.base_url());

    let account = client.user_account_get().send().await?;
    println!(
        "Account: {} ({} boards, {} Pins)",
        account.username.as_deref().unwrap_or("(no username)"),
        account.board_count.unwrap_or_default(),
        account.pin_count.unwrap_or_default(),
    );

    let boards = client.boards_list().page_size(5).send().await?;
    println!("\nFirst {} boards:", boards.items.len());
    for board in &boards.items {
        println!(
            "  {:>20}  {}  [{}]",
            board.id.as_str(),
            board.name,
            board.privacy
        );
    }

    let board = client
        .boards_create()
        .body(
            types::BoardCreate::builder()
                .name("pinterest-v5 quickstart")
                .description(Some(
                    "Created by the pinterest-v5 quickstart example.".to_owned(),
                ))
                .privacy(types::BoardPrivacy::Secret),
        )
        .send()
        .await?;
    println!(
        "\nCreated board {} \"{}\" [{}]",
        board.id.as_str(),
        board.name,
        board.privacy
    );

    let media = types::PinMediaSourceImageUrl::builder()
        .source_type(types::PinMediaSourceImageUrlSourceType::ImageUrl)
        .url(IMAGE_URL);
    let pin = client
        .pins_create()
        .body(
            types::PinCreate::builder()
                .board_id(Some(board.id.as_str().parse()?))
                .title(Some("Hello from Rust".parse()?))
                .media_source(Some(types::PinMediaSource::ImageUrl(media.try_into()?))),
        )
        .send()
        .await?;
    println!(
        "Created Pin {} on board {}",
        pin.id.as_str(),
        board.id.as_str()
    );

    let today = Utc::now().date_naive();
    let analytics = client
        .pins_analytics()
        .pin_id(pin.id.as_str())
        .start_date(today - Duration::days(30))
        .end_date(today)
        .metric_types(vec![
            types::QueryPinAnalyticsMetricTypesItem::Impression,
            types::QueryPinAnalyticsMetricTypesItem::Save,
        ])
        .send()
        .await?;
    println!(
        "\nAnalytics for Pin {} over the last 30 days:",
        pin.id.as_str()
    );
    for (scope, metrics) in analytics.iter() {
        let mut summary: Vec<_> = metrics.summary_metrics.iter().collect();
        summary.sort_by(|a, b| a.0.cmp(b.0));
        for (metric, value) in summary {
            println!("  {scope:<10} {metric:<12} {value}");
        }
        println!(
            "  {scope:<10} {} daily records",
            metrics.daily_metrics.len()
        );
    }

    println!("\nDone.");
    Ok(())
}

/// A client for Pinterest when `PINTEREST_ACCESS_TOKEN` is set, and for a
/// freshly started mock otherwise. The mock stops when its handle is dropped.
async fn connect() -> Result<(Client, Option<MockServer>), Box<dyn Error>> {
    let Ok(token) = std::env::var("PINTEREST_ACCESS_TOKEN") else {
        let mock = MockServer::start().await?;
        println!("PINTEREST_ACCESS_TOKEN is not set: using the embedded mock.");
        return Ok((mock.client(), Some(mock)));
    };

    let base_url = match std::env::var("PINTEREST_API_BASE") {
        Ok(url) => BaseUrl::Custom(url),
        Err(_) => BaseUrl::Production,
    };
    let client = Client::builder()
        .base_url(base_url)
        .access_token(token)
        .user_agent("pinterest-v5-quickstart")
        .build()?;
    Ok((client, None))
}
