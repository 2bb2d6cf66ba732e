// Runs the README's calls through the client against a running mesh: log in as the
// demo buyer, browse the public catalogue, estimate freight. CROSSDOCK_GATEWAY_URL
// names the gateway; the e2e Go test TestTypeScriptClient starts the mesh and sets it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createCrossdockClient, fieldViolations, isApiError } from "../src/index.js";

const baseUrl = process.env.CROSSDOCK_GATEWAY_URL ?? "";
const skip = baseUrl === "" ? "CROSSDOCK_GATEWAY_URL is not set (run through the e2e test TestTypeScriptClient)" : false;

test("login, browse, estimate freight", { skip }, async () => {
  let token: string | undefined;
  const client = createCrossdockClient({ baseUrl, accessToken: () => token });

  const login = await client.POST("/v1/auth/login", {
    body: { email: "buyer@demo.crossdock.test", password: "crossdock-demo-2026" },
  });
  assert.equal(login.response.status, 200, JSON.stringify(login.error));
  token = login.data?.tokens?.accessToken;
  assert.ok(token, "the login answer has an access token");

  const me = await client.GET("/v1/me");
  assert.equal(me.data?.user?.email, "buyer@demo.crossdock.test");

  const categories = await client.GET("/v1/categories");
  assert.ok((categories.data?.categories ?? []).length > 0, "the demo catalogue has categories");

  const listings = await client.GET("/v1/listings", { params: { query: { query: "headphones", locale: "de" } } });
  assert.equal(listings.response.status, 200, JSON.stringify(listings.error));
  const first = listings.data?.products?.[0];
  assert.ok(first?.productId, "the demo catalogue lists headphones");

  const listing = await client.GET("/v1/listings/{productId}", { params: { path: { productId: first.productId } } });
  assert.equal(listing.data?.listing?.productId, first.productId);

  const estimate = await client.POST("/v1/freight/estimates", {
    body: {
      route: { originCountryCode: "CN", originRegionCode: "CN-GD", destinationCountryCode: "US", destinationRegionCode: "US-CA" },
      parcel: { volumeCm3: "3000", weightG: "900", declaredValue: { currencyCode: "USD", amountMinor: "3000" } },
      displayCurrency: "EUR",
    },
  });
  assert.equal(estimate.response.status, 200, JSON.stringify(estimate.error));
  assert.equal(estimate.data?.displayFreight?.currencyCode, "EUR");
  assert.ok(Number(estimate.data?.targetFreight?.amountMinor) > 0, "the estimate has a freight amount");
});

test("bad input answers 400 with the field named", { skip }, async () => {
  const client = createCrossdockClient({ baseUrl });
  const login = await client.POST("/v1/auth/login", { body: { email: "not an address", password: "" } });
  assert.equal(login.response.status, 400);
  assert.ok(login.error, "a 400 carries the error body");
  assert.ok(Object.keys(fieldViolations(login.error)).length > 0, JSON.stringify(login.error));
});

test("an error that is not the API's body names no field", () => {
  assert.deepEqual(fieldViolations("<html><body>502 Bad Gateway</body></html>"), {});
  assert.deepEqual(fieldViolations(null), {});
  assert.equal(isApiError("<html>"), false);
  const body = {
    code: 3,
    message: "bad input",
    details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "parcel.weightG", description: "must be positive" }] }],
  };
  assert.equal(isApiError(body), true);
  assert.deepEqual(fieldViolations(body), { "parcel.weightG": "must be positive" });
});

test("calls without a token answer 401", { skip }, async () => {
  const client = createCrossdockClient({ baseUrl });
  const me = await client.GET("/v1/me");
  assert.equal(me.response.status, 401);
  assert.equal(me.error?.code, 16);
});
