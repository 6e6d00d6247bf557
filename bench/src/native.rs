//! The native reference: a plain hyper HTTP/1.1 client doing the requests the component does,
//! parsing each JSON body as a client must. What the component costs is measured against it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// One client: a single keep-alive connection, or a new connection per request.
pub struct NativeClient {
    addr: SocketAddr,
    authorization: String,
    keep_alive: bool,
    sender: Option<SendRequest<Empty<Bytes>>>,
}

impl NativeClient {
    pub fn new(addr: SocketAddr, token: &str, keep_alive: bool) -> Self {
        Self {
            addr,
            authorization: format!("Zoho-oauthtoken {token}"),
            keep_alive,
            sender: None,
        }
    }

    async fn connect(&self) -> anyhow::Result<SendRequest<Empty<Bytes>>> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// GETs `path_and_query` and parses the JSON body (`Null` for an empty one).
    pub async fn get_json(&mut self, path_and_query: &str) -> anyhow::Result<Value> {
        let mut sender = match self.sender.take() {
            Some(sender) if self.keep_alive && !sender.is_closed() => sender,
            _ => self.connect().await?,
        };
        sender.ready().await?;
        let request = http::Request::get(path_and_query)
            .header(http::header::HOST, self.addr.to_string())
            .header(http::header::AUTHORIZATION, &self.authorization)
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        anyhow::ensure!(status.is_success(), "HTTP {status}");
        if self.keep_alive {
            self.sender = Some(sender);
        }
        Ok(if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)?
        })
    }

    /// Pages through a module by page token and writes every record as NDJSON; the count.
    pub async fn export(&mut self, module: &str, fields: &str, output: &Path) -> anyhow::Result<u64> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(output)?);
        let mut query = format!("fields={fields}&per_page=200&sort_by=id&sort_order=asc");
        let mut count = 0;
        loop {
            let page = self.get_json(&format!("/crm/v8/{module}?{query}")).await?;
            for record in page["data"].as_array().into_iter().flatten() {
                serde_json::to_writer(&mut file, record)?;
                file.write_all(b"\n")?;
                count += 1;
            }
            match page["info"]["next_page_token"].as_str() {
                Some(token) if page["info"]["more_records"] == true => {
                    query = format!("fields={fields}&per_page=200&page_token={token}");
                }
                _ => break,
            }
        }
        file.flush()?;
        Ok(count)
    }
}
