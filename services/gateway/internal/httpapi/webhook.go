package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
)

// Where the payment provider delivers its webhooks, and the header its
// signature comes in.
const (
	ProviderWebhookRoute     = "POST /v1/webhooks/payment-provider"
	providerWebhookPath      = "/v1/webhooks/payment-provider"
	providerSignatureHeader  = "Sandbox-Signature"
	providerWebhookRPCMethod = "/crossdock.finance.v1.WalletService/HandleProviderWebhook"
)

// providerWebhook passes a payment-provider webhook delivery to finance as
// it came: the signature covers the exact bytes of the body, which
// grpc-gateway's JSON decoding would not keep, so this route reads the body
// itself. The route takes no access token; finance checks the signature.
// The provider gets 200 only once finance has committed the event's effect,
// and an error status (which makes it deliver again) otherwise.
func providerWebhook(mux *runtime.ServeMux, client financev1.WalletServiceClient) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		_, outbound := runtime.MarshalerForRequest(mux, r)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// The edge caps bodies; a larger one ends up here.
			runtime.HTTPError(ctx, mux, outbound, w, r, status.Error(codes.InvalidArgument, "the body could not be read"))
			return
		}
		ctx, err = runtime.AnnotateContext(ctx, mux, r, providerWebhookRPCMethod, runtime.WithHTTPPathPattern(providerWebhookPath))
		if err != nil {
			runtime.HTTPError(ctx, mux, outbound, w, r, err)
			return
		}
		resp, err := client.HandleProviderWebhook(ctx, &financev1.HandleProviderWebhookRequest{
			Signature: r.Header.Get(providerSignatureHeader), Payload: body,
		})
		if err != nil {
			runtime.HTTPError(ctx, mux, outbound, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(ctx, mux, outbound, w, r, resp)
	}
}
