//! Many calls on one instance, and many instances from one compiled component.

use std::thread;

use host_tests::api;

use crate::{Setup, call, config_for, event, host, import_row};

#[test]
fn many_calls_on_one_instance() {
    let mut t = Setup::start();
    const CALLS: usize = 200;
    for i in 0..CALLS {
        let result = call!(
            t,
            call_track,
            &event("$pageView", &format!("visitor{}@example.com", i % 20))
        )
        .expect("tracked");
        assert_eq!(result.results, 1);
    }
    assert_eq!(t.emu.state()["counts"]["events"], CALLS);
    assert_eq!(t.emu.requests().len(), CALLS);
}

#[test]
fn many_instances_from_one_component() {
    let emu = bento_emulator::Emulator::start(bento_emulator::EmulatorConfig::default())
        .expect("emulator");
    const THREADS: usize = 4;
    const INSTANCES_PER_THREAD: usize = 8;
    const ROWS: usize = 5;
    let config = config_for(&emu);
    thread::scope(|s| {
        for th in 0..THREADS {
            let config: api::Config = config.clone();
            s.spawn(move || {
                for n in 0..INSTANCES_PER_THREAD {
                    let mut instance = host().instantiate().expect("instance");
                    let client = instance.client(&config).expect("no trap").expect("client");
                    let rows: Vec<_> = (0..ROWS)
                        .map(|r| import_row(&format!("t{th}-i{n}-r{r}@example.com")))
                        .collect();
                    let result = instance
                        .call(|api, store| api.call_import_subscribers(store, client, &rows))
                        .expect("no trap")
                        .expect("imported");
                    assert_eq!(result.results, ROWS as u64);
                    instance.drop_client(client).expect("dropped");
                }
            });
        }
    });
    assert_eq!(
        emu.state()["counts"]["subscribers"],
        THREADS * INSTANCES_PER_THREAD * ROWS
    );
}
