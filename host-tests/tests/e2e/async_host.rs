//! The component through wasmtime's async support (`host_tests::async_host`) on one
//! current-thread tokio runtime: the same component and linking, answers and errors typed the
//! same way as through the synchronous host.

use bento_emulator::{Emulator, EmulatorConfig};
use host_tests::async_host::{AsyncHost, api};

use crate::host;

fn config(emu: &Emulator, secret_key: &str) -> api::Config {
    api::Config {
        publishable_key: emu.publishable_key().to_owned(),
        secret_key: secret_key.to_owned(),
        site_uuid: emu.site_uuid().to_owned(),
        base_url: Some(emu.base_url().to_owned()),
        user_agent: None,
        timeout_ms: Some(5_000),
        connect_timeout_ms: Some(2_000),
        max_response_bytes: None,
        deadline_ms: None,
        retry: None,
    }
}

#[test]
fn calls_through_the_async_host_reach_the_emulator_on_one_thread() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator starts");
    let async_host = AsyncHost::new(host().engine().clone(), host().component())
        .expect("links")
        .with_keep_alive(host_tests::KeepAlive::new(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut instance = async_host.instantiate().await.expect("instantiates");
        let client = instance
            .client(&config(&emu, emu.secret_key()))
            .await
            .expect("no trap")
            .expect("valid config");
        for i in 0..3 {
            let event = api::Event {
                event_type: "$pageView".into(),
                email: format!("async{i}@example.com"),
                fields: None,
                details: Some(r#"{"url":"/pricing"}"#.into()),
                date: None,
            };
            let sent = instance.track(client, &event).await.expect("no trap");
            assert_eq!(
                sent,
                Ok(api::BatchResult {
                    results: 1,
                    failed: 0
                })
            );
        }
        assert!(instance.get_tags(client).await.expect("no trap").is_ok());

        // A wrong key is the same typed error as through the synchronous host.
        let wrong = instance
            .client(&config(&emu, "sk_wrong"))
            .await
            .expect("no trap")
            .expect("valid config");
        let err = instance
            .get_tags(wrong)
            .await
            .expect("no trap")
            .unwrap_err();
        assert!(matches!(err, api::ErrorDetails::Unauthorized(_)), "{err:?}");
    });
    assert_eq!(emu.state()["counts"]["events"], 3);
}
