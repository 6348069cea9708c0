//! One WebDriver session: one running app.

use crate::{Result, WebDriverError};
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The W3C name of the key that identifies an element in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long [`Session::find`] and [`Session::wait_for`] wait.
const WAIT: Duration = Duration::from_secs(20);

/// One WebDriver session: one running app.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

/// An element handle. The queue re-renders its rows, so a handle can go stale: commands
/// on it then fail with `stale element reference`.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    /// Starts the app at `application` (an absolute path) through the driver at `driver`
    /// (e.g. `http://127.0.0.1:4444`).
    pub async fn start(driver: &str, application: &str) -> Result<Session> {
        // Bounded: when the app exits at once, a new-session request otherwise blocks.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application}
        }}});
        let answer: Value = http
            .post(format!("{driver}/session"))
            .json(&caps)
            .send()
            .await?
            .json()
            .await?;
        let id = answer["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError::NoSession(answer.to_string()))?
            .to_string();
        Ok(Session {
            http,
            base: format!("{driver}/session/{id}"),
        })
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let command = format!("{method} {path}");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let mut answer: Value = request.send().await?.json().await?;
        let value = answer["value"].take();
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            return Err(WebDriverError::Command {
                command,
                error: error.to_string(),
                message: value["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        Ok(value)
    }

    /// Ends the session, which closes the app. Best effort: the app may be gone already.
    pub async fn end(&self) {
        let _ = self.http.delete(&self.base).send().await;
    }

    /// Elements matching a CSS selector, now.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let value = self
            .call(
                Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|id| Element(id.to_string())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits up to 20 s for an element matching `css`.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.wait_for(&format!("an element matching {css}"), || async {
            self.find_all(css).await.ok()?.into_iter().next()
        })
        .await
    }

    /// Polls `probe` every 100 ms until it returns `Some`, for up to 20 s.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, probe: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        self.wait_for_within(what, WAIT, probe).await
    }

    /// Polls `probe` every 100 ms until it returns `Some`, for up to `limit`.
    pub async fn wait_for_within<T, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        mut probe: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(found) = probe().await {
                return Ok(found);
            }
            if Instant::now() > deadline {
                let page = self
                    .script("return document.body.innerText;", json!([]))
                    .await
                    .map(|text| text.as_str().unwrap_or_default().to_string())
                    .unwrap_or_else(|e| format!("(unreadable: {e})"));
                return Err(WebDriverError::Timeout {
                    what: what.to_string(),
                    page,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks an element.
    pub async fn click(&self, element: &Element) -> Result<()> {
        let path = format!("/element/{}/click", element.0);
        self.call(Method::POST, &path, Some(json!({}))).await?;
        Ok(())
    }

    /// Types into an element, after clearing it.
    pub async fn type_into(&self, element: &Element, text: &str) -> Result<()> {
        let clear = format!("/element/{}/clear", element.0);
        self.call(Method::POST, &clear, Some(json!({}))).await?;
        let value = format!("/element/{}/value", element.0);
        self.call(Method::POST, &value, Some(json!({"text": text})))
            .await?;
        Ok(())
    }

    /// Presses one key on whatever has the focus, as a person would: the key goes through
    /// WebKit's input path and arrives as trusted `keydown`/`keyup` events.
    pub async fn press(&self, key: &str) -> Result<()> {
        let actions = json!({"actions": [{
            "type": "key", "id": "keyboard",
            "actions": [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        }]});
        self.call(Method::POST, "/actions", Some(actions)).await?;
        Ok(())
    }

    /// Presses `keys` one after the other in one WebDriver action: as fast as a person
    /// pressing them in a burst, with no round trip in between.
    pub async fn press_keys(&self, keys: &[&str]) -> Result<()> {
        let strokes: Vec<_> = keys
            .iter()
            .flat_map(|key| {
                [
                    json!({"type": "keyDown", "value": key}),
                    json!({"type": "keyUp", "value": key}),
                ]
            })
            .collect();
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": strokes}]});
        self.call(Method::POST, "/actions", Some(actions)).await?;
        Ok(())
    }

    /// Presses `keys` one after the other while holding `modifiers` (W3C key values, e.g.
    /// Shift `\u{E008}`, Control `\u{E009}`), in one WebDriver action: as a person holding
    /// Shift and tapping an arrow key a few times.
    pub async fn press_holding(&self, modifiers: &[&str], keys: &[&str]) -> Result<()> {
        let down = modifiers
            .iter()
            .map(|m| json!({"type": "keyDown", "value": m}));
        let taps = keys.iter().flat_map(|key| {
            [
                json!({"type": "keyDown", "value": key}),
                json!({"type": "keyUp", "value": key}),
            ]
        });
        let up = modifiers
            .iter()
            .rev()
            .map(|m| json!({"type": "keyUp", "value": m}));
        let strokes: Vec<_> = down.chain(taps).chain(up).collect();
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": strokes}]});
        self.call(Method::POST, "/actions", Some(actions)).await?;
        Ok(())
    }

    /// The rendered text of an element.
    pub async fn text(&self, element: &Element) -> Result<String> {
        let path = format!("/element/{}/text", element.0);
        let value = self.call(Method::GET, &path, None).await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// An attribute of an element (`None` when it has none).
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let path = format!("/element/{}/attribute/{name}", element.0);
        let value = self.call(Method::GET, &path, None).await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// Runs `script` as a function body in the page (`arguments` holds `args`) and returns
    /// what it returns; a returned promise is awaited.
    pub async fn script(&self, script: &str, args: Value) -> Result<Value> {
        self.call(
            Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// The window as PNG bytes.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let value = self.call(Method::GET, "/screenshot", None).await?;
        Ok(base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap_or_default())?)
    }
}
