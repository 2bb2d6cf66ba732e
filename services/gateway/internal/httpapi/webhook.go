package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
)

// Where the payment provider and the carriers deliver their webhooks, and
// the headers their signatures come in.
const (
	ProviderWebhookRoute    = "POST /v1/webhooks/payment-provider"
	providerWebhookPath     = "/v1/webhooks/payment-provider"
	providerSignatureHeader = "Sandbox-Signature"

	CarrierWebhookRoute    = "POST /v1/webhooks/carriers/{carrier_code}"
	carrierWebhookPath     = "/v1/webhooks/carriers/{carrier_code}"
	carrierSignatureHeader = "Carrier-Signature"
)

// signedDelivery passes one webhook delivery to the service that verifies
// it: its signature header, its raw body and the route's path parameters.
type signedDelivery func(ctx context.Context, signature string, body []byte, params map[string]string) (proto.Message, error)

// rawWebhook serves a webhook route. The signature covers the exact bytes
// of the body, which grpc-gateway's JSON decoding would not keep, so the
// route reads the body itself and passes it on as it came. The route takes
// no access token; the service checks the signature. The sender gets 200
// only once the service has committed the event's effect, and an error
// status (which makes it deliver again) otherwise.
func rawWebhook(mux *runtime.ServeMux, rpcMethod, pathPattern, signatureHeader string, deliver signedDelivery) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		_, outbound := runtime.MarshalerForRequest(mux, r)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// The edge caps bodies; a larger one ends up here.
			runtime.HTTPError(ctx, mux, outbound, w, r, status.Error(codes.InvalidArgument, "the body could not be read"))
			return
		}
		// AnnotateContext answers a nil context with its error (a Grpc-Timeout
		// header that does not parse), so the error is reported under the
		// request's own context, as the generated handlers do.
		annotated, err := runtime.AnnotateContext(ctx, mux, r, rpcMethod, runtime.WithHTTPPathPattern(pathPattern))
		if err != nil {
			runtime.HTTPError(ctx, mux, outbound, w, r, err)
			return
		}
		resp, err := deliver(annotated, r.Header.Get(signatureHeader), body, params)
		if err != nil {
			runtime.HTTPError(annotated, mux, outbound, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(annotated, mux, outbound, w, r, resp)
	}
}

// providerWebhook passes a payment-provider delivery to finance.
func providerWebhook(mux *runtime.ServeMux, client financev1.WalletServiceClient) runtime.HandlerFunc {
	return rawWebhook(mux, financev1.WalletService_HandleProviderWebhook_FullMethodName, providerWebhookPath, providerSignatureHeader,
		func(ctx context.Context, signature string, body []byte, _ map[string]string) (proto.Message, error) {
			return client.HandleProviderWebhook(ctx, &financev1.HandleProviderWebhookRequest{Signature: signature, Payload: body})
		})
}

// carrierWebhook passes a carrier's delivery to logistics, naming the
// carrier whose secret must verify it.
func carrierWebhook(mux *runtime.ServeMux, client logisticsv1.LogisticsServiceClient) runtime.HandlerFunc {
	return rawWebhook(mux, logisticsv1.LogisticsService_HandleCarrierWebhook_FullMethodName, carrierWebhookPath, carrierSignatureHeader,
		func(ctx context.Context, signature string, body []byte, params map[string]string) (proto.Message, error) {
			return client.HandleCarrierWebhook(ctx, &logisticsv1.HandleCarrierWebhookRequest{
				CarrierCode: params["carrier_code"], Signature: signature, Payload: body,
			})
		})
}
