package textguard_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/textguard"
)

func TestProblem(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"ascii", "headphones", ""},
		{"empty", "", ""},
		{"right to left text", "سماعات رأس", ""},
		{"right-to-left mark", "abc\u200fdef", ""},
		{"accents", "Kopfhörer", ""},
		{"NUL", "head\x00phones", textguard.DescNUL},
		{"invalid UTF-8", "\xff", textguard.DescUTF8},
		{"truncated UTF-8", "Kopfh\xc3", textguard.DescUTF8},
		{"right-to-left override", "invoice\u202Efdp.exe", textguard.DescDirection},
		{"left-to-right embedding", "\u202Aname", textguard.DescDirection},
		{"first strong isolate", "a\u2068b", textguard.DescDirection},
		{"pop directional isolate", "a\u2069", textguard.DescDirection},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := textguard.Problem(tt.in); got != tt.want {
				t.Errorf("Problem(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func fields(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, v := range e.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestCheckNamesNestedRepeatedAndMapFields(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"clean", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{
			Title: "Kopfhörer", Attributes: map[string]string{"colour": "schwarz"},
		}}, nil},
		{"nested string", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Title: "a\x00b"}},
			[]string{"content.title"}},
		{"repeated string", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Images: []string{"ok", "\xff"}}},
			[]string{"content.images[1]"}},
		{"map value", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Attributes: map[string]string{"colour": "\u202Ekcalb"}}},
			[]string{"content.attributes.colour"}},
		{"map key", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Attributes: map[string]string{"co\x00lour": "black"}}},
			[]string{"content.attributes"}},
		{"message in a repeated field", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Skus: []*catalogv1.SkuContent{
			{SkuCode: "A"}, {SkuCode: "B", SpecValues: map[string]string{"size": "M\x00"}},
		}}}, []string{"content.skus[1].spec_values.size"}},
		{"every bad field", &catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Title: "\x00", Description: "\xfe"}},
			[]string{"content.title", "content.description"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := textguard.Check(tt.msg)
			got := fields(err)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("fields = %v, want %v (%v)", got, want, err)
			}
			if len(tt.want) > 0 && apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("kind = %v, want invalid", apperr.KindOf(err))
			}
		})
	}
}

func TestCheckBoundsTheAnswer(t *testing.T) {
	skus := make([]*catalogv1.SkuContent, 500)
	for i := range skus {
		skus[i] = &catalogv1.SkuContent{SkuCode: "\x00"}
	}
	got := fields(textguard.Check(&catalogv1.CreateProductRequest{Content: &catalogv1.ProductContent{Skus: skus}}))
	if len(got) == 0 || len(got) > 20 {
		t.Errorf("%d violations for 500 bad SKUs, want 1..20", len(got))
	}
}

func TestUnaryClientInterceptorRefusesBeforeSending(t *testing.T) {
	sent := false
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
		sent = true
		return nil
	}
	intercept := textguard.UnaryClientInterceptor()
	req := &catalogv1.GetListingRequest{ProductId: "\xff"}
	err := intercept(context.Background(), "/m", req, nil, nil, invoker)
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || sent {
		t.Fatalf("code %v, sent %v", st.Code(), sent)
	}
	var br *errdetails.BadRequest
	for _, d := range st.Details() {
		if b, ok := d.(*errdetails.BadRequest); ok {
			br = b
		}
	}
	if br == nil || len(br.FieldViolations) != 1 || br.FieldViolations[0].Field != "product_id" {
		t.Errorf("details %v", st.Details())
	}
	if err := intercept(context.Background(), "/m", &catalogv1.GetListingRequest{ProductId: "p1"}, nil, nil, invoker); err != nil || !sent {
		t.Errorf("clean request: %v, sent %v", err, sent)
	}
}
