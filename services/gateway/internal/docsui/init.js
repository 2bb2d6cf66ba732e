// Starts Swagger UI on /openapi.json. A separate file, not an inline script, so the
// page's Content-Security-Policy needs no 'unsafe-inline'.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#docs',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // Every operation of every area is listed at once, collapsed to its summary.
    docExpansion: 'list',
    deepLinking: true,
    filter: true,
    displayRequestDuration: true,
    // "Try it" sends only to this gateway; nothing is sent to a validator service.
    validatorUrl: null,
    // The pasted access token is forgotten when the tab closes.
    persistAuthorization: false,
  });
});
