//! A loopback TCP relay that counts the bytes each way, so "one small request" is a
//! measurement of what really crossed the wire (request line, headers and body included).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes seen by a [`Relay`].
#[derive(Debug, Default)]
pub struct WireBytes {
    /// Client to server.
    pub sent: AtomicU64,
    /// Server to client.
    pub received: AtomicU64,
}

/// A running relay; it stops with the runtime.
pub struct Relay {
    /// Where clients connect.
    pub url: String,
    /// What crossed it.
    pub bytes: Arc<WireBytes>,
}

impl Relay {
    /// Relays connections to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> anyhow::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let bytes = Arc::new(WireBytes::default());
        let counters = Arc::clone(&bytes);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counters) = (upstream.clone(), Arc::clone(&counters));
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        let _ = pipe(client, server, &counters).await;
                    }
                });
            }
        });
        Ok(Relay { url, bytes })
    }
}

async fn pipe(client: TcpStream, server: TcpStream, counters: &WireBytes) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = copy_counting(&mut client_read, &mut server_write, &counters.sent);
    let down = copy_counting(&mut server_read, &mut client_write, &counters.received);
    let _ = tokio::try_join!(up, down)?;
    Ok(())
}

async fn copy_counting(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    counter: &AtomicU64,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        counter.fetch_add(n as u64, Ordering::Relaxed);
        to.write_all(&buf[..n]).await?;
    }
}
