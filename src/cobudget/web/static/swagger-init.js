// Swagger UI for /api/docs, started from a file of the app's own rather than an inline script,
// so the page works under the Content-Security-Policy (no inline script: web/headers.py).
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-container",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
