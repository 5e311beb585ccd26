//! The iSNS client against servers that misbehave: silent, garbage, wrong answers, gone.
//! The real isnsd is exercised in tests/integration/tests/isns.rs.

use std::time::{Duration, Instant};

use iscsi_initiator::isns::{IsnsClient, IsnsClientError};
use iscsi_proto::isns::{FunctionId, IsnsError};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const NAME: &str = "iqn.2026-12.test:initiator";

/// A server on loopback that reads one request and answers with `reply(request)`.
async fn server(reply: fn(&[u8]) -> Option<Vec<u8>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let Ok(n) = stream.read(&mut buf).await else {
                    return;
                };
                match reply(&buf[..n]) {
                    Some(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                        // Keep the connection open: the client must not wait for EOF.
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    port
}

fn client(port: u16) -> IsnsClient {
    IsnsClient::new("127.0.0.1", port, NAME).with_timeout(Duration::from_millis(500))
}

#[tokio::test]
async fn a_silent_server_times_out_by_the_deadline() {
    let port = server(|_| None).await;
    let start = Instant::now();
    let error = client(port).list_targets().await.expect_err("no answer");
    assert!(
        matches!(
            error,
            IsnsClientError::Timeout {
                function: FunctionId::DevAttrQry,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let port = server(|_| Some(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec())).await;
    let error = client(port).list_targets().await.expect_err("garbage");
    assert!(
        matches!(
            error,
            IsnsClientError::Protocol {
                error: IsnsError::UnsupportedVersion(_),
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_answer_to_another_transaction_is_refused() {
    // A DevAttrQryRsp, success, for transaction 0x7777.
    let port = server(|_| {
        Some(vec![
            0, 1, 0x80, 2, 0, 4, 0x4c, 0, 0x77, 0x77, 0, 0, 0, 0, 0, 0,
        ])
    })
    .await;
    let error = client(port).list_targets().await.expect_err("wrong xid");
    assert!(
        matches!(error, IsnsClientError::UnexpectedReply { xid: 0x7777, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refusal_carries_its_status() {
    // Echo the request's transaction with status 8 (source unauthorized).
    let port = server(|request| {
        let mut reply = vec![0, 1, 0x80, 2, 0, 4, 0x4c, 0, request[8], request[9], 0, 0];
        reply.extend([0, 0, 0, 8]);
        Some(reply)
    })
    .await;
    let error = client(port).list_targets().await.expect_err("refused");
    assert!(
        matches!(
            error,
            IsnsClientError::Refused {
                status: iscsi_proto::isns::Status::SourceUnauthorized,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("source unauthorized"), "{error}");
}

#[tokio::test]
async fn a_server_that_closes_or_is_gone() {
    let port = server(|_| Some(Vec::new())).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = listener.local_addr().expect("addr").port();
    drop(listener);
    let error = client(gone).list_targets().await.expect_err("refused");
    assert!(
        matches!(
            error,
            IsnsClientError::Io {
                kind: std::io::ErrorKind::ConnectionRefused,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{gone}")),
        "{error}"
    );
    // Answering nothing and keeping the socket open is the timeout case; a peer that
    // closes after reading gives Closed.
    let closing = {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 512];
                let _ = stream.read(&mut buf).await;
                drop(stream);
            }
        });
        port
    };
    let error = client(closing).list_targets().await.expect_err("closed");
    assert!(matches!(error, IsnsClientError::Closed { .. }), "{error:?}");
    let _ = port;
}
