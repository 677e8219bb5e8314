//! The samples of the seed guide (`bento-rust-guide.txt`), as written, run against
//! bento-emulator. Each sample is a function; its body is the guide's code. The only edits:
//! `Client::new()` / `Client::new("your-api-key-here")` (which contradict the guide's own
//! setup) take the emulator's config, and the rate-limit sample matches `Error::RateLimit { .. }`
//! because the variant carries the server's `Retry-After`.

// The samples read the environment and import `tokio` exactly as the guide writes them.
#![allow(
    unused_variables,
    clippy::disallowed_methods,
    clippy::single_component_path_imports
)]

use bento::{Client, Config, ConfigBuilder, Error};
use bento_emulator::{Emulator, EmulatorConfig};
use std::sync::OnceLock;

fn emulator() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| Emulator::start(EmulatorConfig::default()).unwrap())
}

fn emulator_config() -> Config {
    let emu = emulator();
    ConfigBuilder::new()
        .publishable_key(emu.publishable_key())
        .secret_key(emu.secret_key())
        .site_uuid(emu.site_uuid())
        .base_url(emu.base_url())
        .build()
        .unwrap()
}

mod basic_setup {
    use super::*;
    // rust use bento::{Client, Config, ConfigBuilder}; use std::time::Duration; use tokio;
    use std::time::Duration;
    #[allow(unused_imports)]
    use tokio;
    pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let config = ConfigBuilder::new()
            .publishable_key("YOUR_PUBLISHABLE_KEY")
            .secret_key("YOUR_SECRET_KEY")
            .site_uuid("YOUR_SITE_UUID")
            .timeout(Duration::from_secs(10)) // Optional, defaults to 30s
            .build()?;
        let client = Client::new(config)?;
        Ok(())
    }
}

mod track_a_simple_page_view {
    use super::*;
    use bento::EventData;
    use serde_json::json;
    use std::collections::HashMap;
    pub async fn main() -> anyhow::Result<()> {
        let mut details = HashMap::new();
        details.insert("url".to_string(), json!("/home"));
        details.insert("title".to_string(), json!("Home Page"));
        let event = EventData {
            event_type: "$pageView".to_string(),
            email: "user@example.com".to_string(),
            fields: None,
            details: Some(details),
        };
        let client = bento::Client::new(emulator_config())?;
        client.track_events(vec![event]).await?;
        Ok(())
    }
}

mod track_a_form_submission {
    use super::*;
    use bento::EventData;
    use serde_json::json;
    use std::collections::HashMap;
    pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let mut details = HashMap::new();
        details.insert("formName".to_string(), json!("Newsletter Signup"));
        details.insert("source".to_string(), json!("Homepage"));
        let event = EventData {
            event_type: "$formSubmitted".to_string(),
            email: "user@example.com".to_string(),
            fields: None,
            details: Some(details),
        };
        let client = Client::new(emulator_config())?;
        client.track_events(vec![event]).await?;
        Ok(())
    }
}

/// The snippets that use an existing `client`.
async fn snippets(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    use bento::{CommandData, CommandType, EmailBatch, EmailData, EventData, ImportSubscriberData};
    use chrono::Utc;
    use std::collections::HashMap;

    // Create a new subscriber
    let subscriber = client.create_subscriber("new@example.com").await?;
    assert_eq!(subscriber.attributes.email, "new@example.com");

    // Tag a subscriber
    let command = CommandData {
        command: CommandType::AddTag,
        email: "user@example.com".to_string(),
        query: "Newsletter".to_string(),
    };
    client.subscriber_command(vec![command]).await?;

    // Unsubscribe A subscriber
    let command = CommandData {
        command: CommandType::Unsubscribe,
        email: "user@example.com".to_string(),
        query: "".to_string(), // No query needed for unsubscribe
    };
    client.subscriber_command(vec![command]).await?;

    // Tracking a user login "Event"
    let mut details = HashMap::new();
    details.insert("method".to_string(), serde_json::json!("password"));
    details.insert("device".to_string(), serde_json::json!("mobile"));
    let event = EventData {
        event_type: "$login".to_string(),
        email: "user@example.com".to_string(),
        fields: None,
        details: Some(details),
    };
    client.track_events(vec![event]).await?;

    // Adding multiple tags to a subscriber
    let subscriber = ImportSubscriberData {
        email: "user@example.com".to_string(),
        first_name: None,
        last_name: None,
        tags: Some("Premium,Annual Plan,Early Adopter".to_string()),
        remove_tags: None,
        custom_fields: HashMap::new(),
    };
    client.import_subscribers(vec![subscriber]).await?;

    // Create a new custom field definition
    let field = client.create_field("membershipLevel").await?;
    // Get all existing fields
    let fields = client.get_fields().await?;
    for field in fields {
        println!(
            "Field: {} (Key: {})",
            field.attributes.name, field.attributes.key
        );
    }
    // Create a new tag
    let tag = client.create_tag("Power User").await?;
    // Get all existing tags
    let tags = client.get_tags().await?;
    for tag in tags {
        println!(
            "Tag: {} (ID: {}, Created: {})",
            tag.attributes.name, tag.id, tag.attributes.created_at
        );
    }

    // Track a purchase event
    let mut details = HashMap::new();
    details.insert(
        "unique".to_string(),
        serde_json::json!({ "key": "order-123" }),
    );
    details.insert(
        "value".to_string(),
        serde_json::json!({ "amount": 9999, "currency": "USD" }),
    );
    details.insert(
        "cart".to_string(),
        serde_json::json!({ "items": [{ "product_id": "prod-456", "product_name": "Premium Widget",
            "product_price": 9999, "quantity": 1, "product_sku": "SKU-456" }] }),
    );
    let event = EventData {
        event_type: "$purchase".to_string(),
        email: "customer@example.com".to_string(),
        fields: None,
        details: Some(details),
    };
    client.track_events(vec![event]).await?;

    // Import multiple subscribers at once
    let mut fields1 = HashMap::new();
    fields1.insert("company".to_string(), serde_json::json!("Acme Inc"));
    let mut fields2 = HashMap::new();
    fields2.insert("company".to_string(), serde_json::json!("Beta Corp"));
    let subscribers = vec![
        ImportSubscriberData {
            email: "user1@example.com".to_string(),
            first_name: Some("Alice".to_string()),
            last_name: None,
            tags: None,
            remove_tags: None,
            custom_fields: fields1,
        },
        ImportSubscriberData {
            email: "user2@example.com".to_string(),
            first_name: Some("Bob".to_string()),
            last_name: None,
            tags: None,
            remove_tags: None,
            custom_fields: fields2,
        },
    ];
    client.import_subscribers(subscribers).await?;

    // Import multiple events at once
    let mut fields1 = HashMap::new();
    fields1.insert("date".to_string(), serde_json::json!("2023-01-01"));
    let mut details2 = HashMap::new();
    details2.insert(
        "unique".to_string(),
        serde_json::json!({ "key": "order-123" }),
    );
    details2.insert(
        "value".to_string(),
        serde_json::json!({ "currency": "USD", "amount": 9999 }),
    );
    let events = vec![
        EventData {
            event_type: "$login".to_string(),
            email: "user@example.com".to_string(),
            fields: Some(fields1),
            details: None,
        },
        EventData {
            event_type: "$purchase".to_string(),
            email: "user@example.com".to_string(),
            fields: None,
            details: Some(details2),
        },
    ];
    client.track_events(events).await?;

    // Send a transactional email
    let mut personalizations = HashMap::new();
    personalizations.insert(
        "link".to_string(),
        serde_json::json!("https://example.com/reset-password"),
    );
    let email = EmailData {
        to: "recipient@example.com".to_string(),
        from: "sender@example.com".to_string(),
        subject: "Reset Password".to_string(),
        html_body: "<p>Here is a link to reset your password ... {{ link }}</p>".to_string(),
        transactional: true,
        personalizations: Some(personalizations),
    };
    let batch = EmailBatch::new(vec![email])?;
    let results = client.send_emails(batch).await?;
    println!("Successfully queued {} emails for delivery", results);

    // Import with chrono dates
    let mut fields1 = HashMap::new();
    fields1.insert("membershipTier".to_string(), serde_json::json!("gold"));
    fields1.insert(
        "lastRenewalDate".to_string(),
        serde_json::json!(Utc::now().to_rfc3339()),
    );
    let mut fields2 = HashMap::new();
    fields2.insert(
        "trialEndsAt".to_string(),
        serde_json::json!((Utc::now() + chrono::Duration::days(30)).to_rfc3339()),
    );
    let subscribers = vec![
        ImportSubscriberData {
            email: "user1@example.com".to_string(),
            first_name: None,
            last_name: None,
            tags: None,
            remove_tags: None,
            custom_fields: fields1,
        },
        ImportSubscriberData {
            email: "user2@example.com".to_string(),
            first_name: Some("Jesse".to_string()),
            last_name: Some("Bento".to_string()),
            tags: Some("membership:premium".to_string()),
            remove_tags: Some("membership:silver".to_string()),
            custom_fields: fields2,
        },
    ];
    client.import_subscribers(subscribers).await?;

    // Remove a field
    let command = CommandData {
        command: CommandType::RemoveField,
        email: "user@example.com".to_string(),
        query: "temporaryStatus".to_string(),
    };
    client.subscriber_command(vec![command]).await?;
    // Change a subscribers email address
    let command = CommandData {
        command: CommandType::ChangeEmail,
        email: "old@example.com".to_string(),
        query: "new@example.com".to_string(),
    };
    client.subscriber_command(vec![command]).await?;

    // Utility features
    use bento::experimental::ValidationData;
    let data = ValidationData {
        email: "user@example.com".to_string(),
        name: Some("John Doe".to_string()),
        user_agent: Some("Mozilla/5.0...".to_string()),
        ip: Some("192.168.1.1".to_string()),
    };
    let validation_result = client.validate_email(&data).await?;
    println!("Email is valid: {}", validation_result.valid);
    let gender_result = client.get_gender("Alex").await?;
    println!("Gender prediction: {:?}", gender_result);
    let location_result = client.geolocate_ip("208.67.222.222").await?;
    println!("Location: {:?}", location_result);
    use bento::experimental::BlacklistData;
    let blacklist_data = BlacklistData {
        domain: Some("example.com".to_string()),
        ip: None, // Or check an IP instead
    };
    let blacklist_result = client.get_blacklist_status(&blacklist_data).await?;
    println!("Blacklist status: {:?}", blacklist_result);

    // Fetch broadcasts
    let broadcasts = client.get_broadcasts().await?;
    Ok(())
}

/// The FAQ's rate-limiting sample (`RetryIf::spawn` is deprecated in tokio-retry 0.3.2 but is
/// what the guide writes).
#[allow(deprecated)]
async fn rate_limiting(
    client: &Client,
    events: Vec<bento::EventData>,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::time::Duration;
    use tokio_retry::{RetryIf, strategy::ExponentialBackoff};
    let retry_strategy = ExponentialBackoff::from_millis(100)
        .max_delay(Duration::from_secs(5))
        .take(3);
    RetryIf::spawn(
        retry_strategy,
        || client.track_events(events.clone()),
        |err: &Error| matches!(err, Error::RateLimit { .. }),
    )
    .await?;
    Ok(())
}

/// The FAQ's batch-size sample.
async fn max_batch_size(
    client: Client,
    all_subscribers: Vec<bento::ImportSubscriberData>,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::sync::Arc;
    use tokio::task::JoinSet;
    // Split subscribers into batches of 200
    let batch_size = 200;
    let batches: Vec<_> = all_subscribers
        .chunks(batch_size)
        .map(|chunk| chunk.to_vec())
        .collect();
    // Process batches with limited concurrency
    let mut join_set = JoinSet::new();
    let client = Arc::new(client);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(3)); // Limit to 3 concurrent requests
    for batch in batches {
        let client = Arc::clone(&client);
        let permit = semaphore.clone().acquire_owned().await?;
        join_set.spawn(async move {
            let _permit = permit; // Hold permit until task completes
            client.import_subscribers(batch).await
        });
    }
    while let Some(result) = join_set.join_next().await {
        match result {
            Ok(Ok(_)) => println!("Batch completed successfully"),
            Ok(Err(e)) => eprintln!("Batch failed: {}", e),
            Err(e) => eprintln!("Task failed: {}", e),
        }
    }
    Ok(())
}

/// The FAQ's cancellation sample.
async fn context_support(client: &Client) {
    use tokio::time::{Duration, timeout};
    let result = timeout(
        Duration::from_secs(5),
        client.find_subscriber("example@test.com"),
    )
    .await;
    match result {
        Ok(Ok(subscriber)) => {
            // Handle successful result
        }
        Ok(Err(e)) => {
            // Handle API error
        }
        Err(_) => {
            // Handle timeout
            eprintln!("Operation timed out");
        }
    }
}

/// The FAQ's serverless sample (`LambdaEvent` stands in for `lambda_runtime`'s type).
mod serverless_support {
    use bento::{Client, ConfigBuilder};
    use std::sync::OnceLock;
    use std::time::Duration;
    pub struct LambdaEvent;
    static CLIENT: OnceLock<Client> = OnceLock::new();
    pub fn get_client() -> &'static Client {
        CLIENT.get_or_init(|| {
            let config = ConfigBuilder::new()
                .publishable_key(
                    std::env::var("BENTO_PUBLISHABLE_KEY").expect("BENTO_PUBLISHABLE_KEY not set"),
                )
                .secret_key(std::env::var("BENTO_SECRET_KEY").expect("BENTO_SECRET_KEY not set"))
                .site_uuid(std::env::var("BENTO_SITE_UUID").expect("BENTO_SITE_UUID not set"))
                .timeout(Duration::from_secs(5))
                .build()
                .expect("Failed to build config");
            Client::new(config).expect("Failed to create client")
        })
    }
    pub async fn lambda_handler(event: LambdaEvent) -> Result<String, Box<dyn std::error::Error>> {
        let client = get_client();
        // Use client for Bento operations
        Ok("Success".to_string())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_guide_sample_runs_against_the_emulator() {
    basic_setup::main().await.unwrap();
    track_a_simple_page_view::main().await.unwrap();
    track_a_form_submission::main().await.unwrap();
    let client = Client::new(emulator_config()).unwrap();
    snippets(&client).await.unwrap();
    let login = bento::EventData {
        event_type: "$login".into(),
        email: "user@example.com".into(),
        fields: None,
        details: None,
    };
    rate_limiting(&client, vec![login]).await.unwrap();
    let rows: Vec<_> = (0..1000)
        .map(|i| bento::ImportSubscriberData::new(format!("faq{i}@example.com")))
        .collect();
    max_batch_size(client.clone(), rows).await.unwrap();
    context_support(&client).await;

    // What the samples did is visible in the emulator's state.
    let state = emulator().state();
    let emails: Vec<&str> = state["subscribers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["attributes"]["email"].as_str())
        .collect();
    for expected in [
        "user@example.com",
        "customer@example.com",
        "faq999@example.com",
        "new@example.com",
    ] {
        assert!(emails.contains(&expected), "{expected} missing");
    }
    assert!(
        state["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "Reset Password")
    );
}

#[tokio::test]
async fn the_serverless_sample_reads_the_environment() {
    let emu = emulator();
    // SAFETY: no other test in this binary reads or writes these variables.
    unsafe {
        std::env::set_var("BENTO_PUBLISHABLE_KEY", emu.publishable_key());
        std::env::set_var("BENTO_SECRET_KEY", emu.secret_key());
        std::env::set_var("BENTO_SITE_UUID", emu.site_uuid());
    }
    let out = serverless_support::lambda_handler(serverless_support::LambdaEvent)
        .await
        .unwrap();
    assert_eq!(out, "Success");
    assert_eq!(
        serverless_support::get_client().config().site_uuid(),
        emu.site_uuid()
    );
}
