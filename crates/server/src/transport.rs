//! The connection loop behind [`serve`](crate::serve) and [`serve_tls`](crate::serve_tls):
//! accepting, TLS, HTTP/1.1, and the limits that keep one abusive client from taking the
//! service down.
//!
//! - **At most [`max_connections`](crate::ServerConfig::max_connections) connections** are
//!   served at once. Each holds a permit from the moment it is accepted until it closes;
//!   with none left the loop stops accepting, so further clients wait in the kernel's
//!   listen queue (they are served as others finish) instead of exhausting file
//!   descriptors or memory.
//! - **Headers within [`header_read_timeout`](crate::ServerConfig::header_read_timeout)**
//!   (hyper's own timer): a client that sends a request's head byte by byte (slowloris), or
//!   keeps an idle connection open without sending the next request, is disconnected. The
//!   TLS handshake gets the same time.
//! - **Answers within [`request_timeout`](crate::ServerConfig::request_timeout)**: a request
//!   whose body trickles in or whose handler takes too long is answered `503` with
//!   `{"error": {"code": "timeout", ..}}`. A push cut off this way is safe to send again:
//!   the server answers a repeated mutation id with its first result.
//!
//! axum's own `serve` exposes none of the first two, hence this loop (about what axum's
//! is, on hyper directly). Shutdown stops accepting at once, lets each connection finish
//! the request it is on, and returns when the last one has closed.

use crate::Server;
use crate::api::error::ApiError;
use crate::tls::Tls;
use axum::BoxError;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::{Service, ServiceBuilder, ServiceExt};

/// The error code of a request that ran past the request timeout.
pub const TIMEOUT: &str = "timeout";

/// How long the loop pauses after an accept error such as running out of file
/// descriptors, so it does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Serves `server`'s API on `listener` (through `tls` when given) until `shutdown`.
pub(crate) async fn run(
    listener: TcpListener,
    server: Server,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = server.config();
    // Zero would never accept anything; the CLI refuses it, the library reads it as one.
    let max_connections = config.max_connections.max(1);
    let header_read_timeout = config.header_read_timeout;
    let router = with_request_timeout(server.router(), config.request_timeout);
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let permits = Arc::new(Semaphore::new(max_connections as usize));
    let (stop, stopped) = watch::channel(false);
    // The webhook deliverer lives as long as the listener: a CLI command that opens the
    // data directory never delivers, a serving process always does.
    let deliverer = tokio::spawn(crate::webhooks::deliver::run(
        server.clone(),
        stopped.clone(),
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);

    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // Never closed while this loop runs.
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_error(&error).await;
                    continue;
                }
            },
        };
        // Always ready, and infallible: it only hands the router the peer's address.
        let Ok(service) = ServiceExt::<SocketAddr>::ready(&mut make_service).await;
        let Ok(service) = service.call(peer).await;
        let connection = Connection {
            peer,
            http: http.clone(),
            handshake_timeout: header_read_timeout,
            stopped: stopped.clone(),
            _permit: permit,
        };
        tokio::spawn(connection.serve(stream, tls.clone(), service));
    }
    // Closing the listener refuses new connections at once, rather than leaving them in
    // the listen queue until the last request in flight ends.
    drop(listener);
    tracing::debug!("no longer accepting; closing connections as their requests finish");
    // `send` fails only when no connection is left to tell.
    let _ = stop.send(true);
    // Every connection holds one permit until it closes: having them all back means none is
    // left.
    let _all_closed = permits.acquire_many(max_connections).await;
    // It saw the stop too; an attempt it cut short was not recorded and is made again.
    if let Err(error) = deliverer.await {
        tracing::error!(%error, "the webhook deliverer failed");
    }
    Ok(())
}

/// The router with the request timeout around it, answered in the API's error shape.
fn with_request_timeout(router: axum::Router, timeout: Duration) -> axum::Router {
    router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(timed_out))
            .timeout(timeout),
    )
}

async fn timed_out(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            TIMEOUT,
            "the request took too long and was stopped; send it again",
        )
    } else {
        tracing::error!(%error, "request failed below the router");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; it has been logged",
        )
    }
}

/// Logs an accept error. Errors about one connection (it was reset before it was
/// accepted) are noise; the others (out of file descriptors) last a while, so the loop
/// pauses before it tries again.
async fn accept_error(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionReset | Interrupted
    ) {
        tracing::debug!(%error, "a connection went away before it was accepted");
        return;
    }
    tracing::warn!(%error, "cannot accept connections; trying again shortly");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}

/// One accepted connection, until it closes.
struct Connection {
    peer: SocketAddr,
    http: hyper::server::conn::http1::Builder,
    handshake_timeout: Duration,
    stopped: watch::Receiver<bool>,
    /// Given back when the connection ends: the connection cap counts these.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve<S>(mut self, stream: TcpStream, tls: Option<Tls>, service: S)
    where
        S: Service<
                axum::http::Request<hyper::body::Incoming>,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        // Small JSON answers: send them now rather than wait for more to fill a packet.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(peer = %self.peer, %error, "cannot set TCP_NODELAY");
        }
        let Some(tls) = tls else {
            return self.http(stream, service).await;
        };
        let handshake = tokio::time::timeout(self.handshake_timeout, tls.acceptor().accept(stream));
        let stream = tokio::select! {
            result = handshake => match result {
                Ok(Ok(stream)) => stream,
                // Plain HTTP to the TLS port, a client that distrusts the certificate, a
                // scanner: nothing to answer, the connection simply closes.
                Ok(Err(error)) => {
                    tracing::debug!(peer = %self.peer, %error, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(peer = %self.peer, "TLS handshake timed out");
                    return;
                }
            },
            () = stop_signalled(&mut self.stopped) => return,
        };
        self.http(stream, service).await;
    }

    async fn http<I, S>(mut self, io: I, service: S)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        S: Service<
                axum::http::Request<hyper::body::Incoming>,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let connection = self
            .http
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
        tokio::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = stop_signalled(&mut self.stopped) => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = result {
            // Header timeouts, clients that hang up mid-request: the client's problem.
            tracing::debug!(peer = %self.peer, %error, "connection ended with an error");
        }
    }
}

/// Completes when the loop says stop, or is gone without saying so (its sender dropped).
async fn stop_signalled(stopped: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not across an await.
    let _ = stopped.wait_for(|stopped| *stopped).await;
}
