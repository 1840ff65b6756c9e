// Swagger UI over the API's own schema (/api/docs/). A file, not an inline script, so the
// site's Content-Security-Policy (script-src 'self') holds.
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: node.dataset.schemaUrl,
    domNode: node,
    deepLinking: true,
    // Never ask validator.swagger.io (an outside server) to check the schema.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    tryItOutEnabled: true,
    layout: "BaseLayout",
  });
});
