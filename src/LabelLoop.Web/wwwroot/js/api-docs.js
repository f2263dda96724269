// Swagger UI for /openapi/v1.json. A file, not an inline script, so the page's CSP can forbid inline scripts.
// "Authorize" takes a personal access token; Swagger UI then sends it as a bearer header on "Try it out".
window.addEventListener("DOMContentLoaded", function () {
    window.ui = SwaggerUIBundle({
        url: "/openapi/v1.json",
        dom_id: "#swagger-ui",
        deepLinking: true,
        persistAuthorization: false,
        tryItOutEnabled: false,
        presets: [SwaggerUIBundle.presets.apis],
        layout: "BaseLayout"
    });
});
