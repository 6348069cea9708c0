//! A bare Tauri window — no commands, no state, a hello-world page like the one Tauri's
//! project template starts with — built from the same Tauri, WebKitGTK and build profile as
//! the real app. The desktop benchmark measures the real app's memory against it: what
//! WebKit costs on its own is not Countersign's.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The template's page, in short: a heading, a line of text, a form and a script.
const PAGE: &str = "<!doctype html><html><head><title>Bare</title>\
<style>body{font-family:sans-serif;margin:0;padding:10vh 2em;text-align:center}</style>\
</head><body><h1>Welcome to Tauri</h1><p>Click on the Tauri logo to learn more.</p>\
<form><input id=name placeholder='Enter a name...'><button type=submit>Greet</button></form>\
<p id=greeting></p><script>document.querySelector('form').addEventListener('submit',(e)=>{\
e.preventDefault();document.getElementById('greeting').textContent='Hello, '+\
document.getElementById('name').value+'!';});</script></body></html>";

fn main() {
    let mut context = tauri::generate_context!();
    // Served from a URI scheme of its own, as an app's assets are.
    let page: tauri::Url = "bare://localhost/".parse().expect("a valid URL");
    for window in &mut context.config_mut().app.windows {
        window.url = tauri::WebviewUrl::CustomProtocol(page.clone());
        window.title = "Bare Tauri window".into();
    }
    let builder = tauri::Builder::default().register_uri_scheme_protocol("bare", |_, _| {
        tauri::http::Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .body(PAGE.as_bytes().to_vec())
            .unwrap_or_default()
    });
    if let Err(e) = builder.run(context) {
        eprintln!("cannot start: {e}");
        std::process::exit(1);
    }
}
