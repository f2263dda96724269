// Validates an OpenAPI document with a real validator: @apidevtools/swagger-parser, a devDependency of
// src/LabelLoop.Web (installed by `make assets`). Usage: node build/validate-openapi.cjs FILE
// Exit code 0 and one line on stdout when valid; 1 and every problem on stderr otherwise.
"use strict";
const path = require("path");
const webDir = path.join(__dirname, "..", "src", "LabelLoop.Web");
const SwaggerParser = require(require.resolve("@apidevtools/swagger-parser", { paths: [webDir] }));

const file = process.argv[2];
if (!file) {
  console.error("usage: node build/validate-openapi.cjs FILE");
  process.exit(2);
}
SwaggerParser.validate(file)
  .then((api) => {
    console.log(`valid: ${api.info.title} (OpenAPI ${api.openapi}), ${Object.keys(api.paths || {}).length} paths`);
  })
  .catch((err) => {
    console.error(`invalid: ${err.message}`);
    if (err.details) {
      console.error(JSON.stringify(err.details, null, 2));
    }
    process.exit(1);
  });
