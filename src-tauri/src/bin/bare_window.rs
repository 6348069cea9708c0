//! A Tauri window with nothing in it — no commands, no state, an empty page — built from the
//! same Tauri, WebKitGTK and build profile as the real app. The desktop benchmark measures
//! the real app's memory against it: what WebKit costs on its own is not Countersign's.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let mut context = tauri::generate_context!();
    let blank: tauri::Url = "about:blank".parse().expect("a valid URL");
    for window in &mut context.config_mut().app.windows {
        window.url = tauri::WebviewUrl::External(blank.clone());
        window.title = "Bare Tauri window".into();
    }
    if let Err(e) = tauri::Builder::default().run(context) {
        eprintln!("cannot start: {e}");
        std::process::exit(1);
    }
}
