//! The minimal sink the benchmarks import into: answers every POST with
//! `{"results": n, "failed": 0}` at once, `n` being the number of `"email"` keys in the body, so
//! what is measured is the client, not a server. Prints its port on stdout.

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

async fn sink(body: Bytes) -> ([(&'static str, &'static str); 1], String) {
    let n = body.windows(8).filter(|w| w == b"\"email\":").count();
    (
        [("content-type", "application/json")],
        format!("{{\"results\":{n},\"failed\":0}}"),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let app = Router::new().fallback(post(sink));
    axum::serve(listener, app).await
}
