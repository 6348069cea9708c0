//! How the window draws: on Linux, WebKitGTK paints on the CPU instead of compositing
//! through OpenGL.
//!
//! The window is text, a list and a few panels: nothing that needs a GPU. Composited,
//! each scrolling pane gets its own GL layers, and where no GPU driver is at hand (a VM,
//! remote desktop, a headless test) Mesa's software GL carries them. Measured on the
//! demo (`scripts/bench-desktop`, Xvfb): the web process uses ~95 MiB less, scrolling a
//! screen per frame holds 60 fps (p95 17 ms against 36 ms), and a decision reaches the
//! screen sooner. Painting on the CPU also sidesteps the GPU-driver bugs that leave some
//! WebKitGTK windows blank. `COUNTERSIGN_GPU=1` turns compositing back on.

use tauri::{Runtime, WebviewWindow};

/// Applies the rendering choice to `window`'s webview.
pub fn configure<R: Runtime>(window: &WebviewWindow<R>, use_gpu: bool) {
    if use_gpu {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        let applied = window.with_webview(|webview| {
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        });
        if let Err(e) = applied {
            tracing::warn!(%e, "could not turn GPU compositing off; the window still works");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
