package httpapi

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/crossdock/crossdock/pkg/auth"
)

// errorHandler renders errors as grpc-gateway does ({"code","message",
// "details"}), with three repairs. InvalidArgument errors the gateway raised
// itself while reading the request (a body, a path or query parameter that
// does not parse) carry the parser's text and no field; they are rewritten
// into a google.rpc.BadRequest naming the field. Field violations, the
// gateway's and the services', name fields by their JSON names, as the
// client sent them (withJSONFieldPaths). And an error carrying
// google.rpc.RetryInfo (ResourceExhausted, Unavailable) answers with
// Retry-After.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st := status.Convert(err)
	switch st.Code() {
	case codes.InvalidArgument:
		// The services' errors carry details (at least ErrorInfo); one with
		// none was raised by the gateway's own request parsing.
		if len(st.Details()) == 0 {
			err = requestError(ctx, r.URL.Query(), st.Message())
		}
	case codes.ResourceExhausted:
		// A service's own (a rate limit, its hashing slots all taken)
		// carries details and its RetryInfo; one without is the
		// transport's, an answer larger than the gateway takes: no 429 a
		// client would wait and retry in vain.
		if _, grpcStatus := status.FromError(err); grpcStatus && len(st.Details()) == 0 {
			slog.WarnContext(ctx, "upstream answer refused by the transport", "error", st.Message(), "path", r.URL.Path)
			err = status.Error(codes.Internal, upstreamFailure[codes.Internal])
		}
	case codes.Unavailable, codes.Internal, codes.Unknown, codes.DataLoss, codes.DeadlineExceeded:
		// A service's own error carries details (ErrorInfo) and a message
		// meant for the client; one without is the transport's or a
		// library's, naming addresses and internals: logged, not shown.
		if _, grpcStatus := status.FromError(err); grpcStatus && len(st.Details()) == 0 {
			slog.WarnContext(ctx, "upstream failure answered with a generic message", "code", st.Code().String(), "error", st.Message(),
				"path", r.URL.Path)
			err = status.Error(st.Code(), upstreamFailure[st.Code()])
		}
	}
	if d, ok := retryDelay(st); ok {
		// Rate limited (429), or busy for a moment (503: password checks
		// all taken, a parcel's last charge on its way): when to ask again.
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d)))))
	}
	if st.Code() == codes.Unauthenticated {
		w = bearerChallenge{w, challenge(st)}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, withJSONFieldPaths(inputDescriptor(ctx), err))
}

// bearerChallenge answers a 401 with the gateway's own Bearer challenge:
// grpc-gateway puts the error's message there ("invalid e-mail or
// password"), which is no challenge a client can parse.
type bearerChallenge struct {
	http.ResponseWriter
	value string
}

func (b bearerChallenge) WriteHeader(code int) {
	b.Header().Set("WWW-Authenticate", b.value)
	b.ResponseWriter.WriteHeader(code)
}

// challenge is the WWW-Authenticate a service's 401 answers with, as the
// gateway's own refusals write it: invalid_token for a token refused.
func challenge(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == auth.ReasonTokenInvalid {
			return `Bearer realm="crossdock", error="invalid_token"`
		}
	}
	return `Bearer realm="crossdock"`
}

// upstreamFailure is what a client reads of a failure behind the gateway.
var upstreamFailure = map[codes.Code]string{
	codes.Unavailable:      "the service is unavailable; try again shortly",
	codes.DeadlineExceeded: "the service did not answer in time; try again shortly",
	codes.Internal:         "internal error",
	codes.Unknown:          "internal error",
	codes.DataLoss:         "internal error",
}

// retryDelay is the RetryInfo delay in seconds.
func retryDelay(st *status.Status) (float64, bool) {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return ri.GetRetryDelay().AsDuration().Seconds(), true
		}
	}
	return 0, false
}

// paramError matches grpc-gateway's texts for path and query parameters that
// do not parse, capturing the parameter's name.
var paramError = []struct {
	re   *regexp.Regexp
	desc string // "" means: describe by the field's type
}{
	{regexp.MustCompile(`^type mismatch, parameter: ([A-Za-z0-9_.]+)`), ""},
	{regexp.MustCompile(`^missing parameter ([A-Za-z0-9_.]+)`), "is required"},
	{regexp.MustCompile(`^parsing (?:field|list|map value) "([A-Za-z0-9_.]+)"`), ""},
	{regexp.MustCompile(`^parsing map key "([A-Za-z0-9_.]+)"`), "has a key of the wrong type"},
	{regexp.MustCompile(`^(?:too many values for field|duplicate field) "([A-Za-z0-9_.]+)"`), "is given more than once"},
	{regexp.MustCompile(`^field already set for oneof "([A-Za-z0-9_.]+)"`), "takes only one of its fields"},
	{regexp.MustCompile(`^` + unknownParameter + ` "(.*)"$`), "is not a parameter of this call"},
}

// requestError turns the text of a request the gateway could not read into
// an InvalidArgument status with one field violation and no parser text.
func requestError(ctx context.Context, query url.Values, text string) error {
	input := inputDescriptor(ctx)
	if be, ok := parseBodyError(text); ok {
		return badRequest(bodyFieldPrefix(input, be.message)+be.field, be.desc)
	}
	if field, desc, found := diagnoseQuery(input, query); found {
		return badRequest(field, desc)
	}
	for _, pe := range paramError {
		m := pe.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		desc := pe.desc
		if desc == "" {
			desc = "has the wrong type"
			if _, fd := resolvePath(input, m[1]); fd != nil {
				desc = want(fd)
			}
		}
		return badRequest(m[1], desc)
	}
	if strings.HasPrefix(text, "invalid grpc-timeout") {
		return badRequest("Grpc-Timeout", "is not a valid timeout (an integer and a unit: H, M, S, m, u or n)")
	}
	if strings.HasPrefix(text, "invalid URL escape") || strings.Contains(text, "semicolon") {
		return badRequest("query", "is not a valid query string")
	}
	return badRequest("request", "could not be read")
}

func badRequest(field, desc string) error {
	st := status.New(codes.InvalidArgument, "invalid request: "+field+": "+desc)
	withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: field, Description: desc},
	}})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// inputDescriptor is the request message of the method the route maps to.
func inputDescriptor(ctx context.Context) protoreflect.MessageDescriptor {
	method, ok := runtime.RPCMethod(ctx)
	if !ok {
		return nil
	}
	name := strings.ReplaceAll(strings.TrimPrefix(method, "/"), "/", ".")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	if !ok {
		return nil
	}
	return md.Input()
}

// bodyFieldPrefix is "address." when a route's body is one field of the
// request (body: "address") and the body was decoded into that field's
// message, "" when the body is the whole request.
func bodyFieldPrefix(input protoreflect.MessageDescriptor, decoded string) string {
	if input == nil || string(input.FullName()) == decoded {
		return ""
	}
	fields := input.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Message() != nil && string(fd.Message().FullName()) == decoded {
			return string(fd.Name()) + "."
		}
	}
	return ""
}
