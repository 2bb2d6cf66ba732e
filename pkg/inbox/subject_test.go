package inbox

import "testing"

func TestSubjectMatches(t *testing.T) {
	tests := []struct {
		filter, subject string
		want            bool
	}{
		{"orders.order.paid", "orders.order.paid", true},
		{"orders.order.paid", "orders.order.placed", false},
		{"orders.order.paid", "orders.order", false},
		{"orders.*.paid", "orders.order.paid", true},
		{"orders.*", "orders.order.paid", false},
		{"orders.>", "orders.order.paid", true},
		{"orders.>", "orders", false},
		{">", "a", true},
		{"test.>", "test.thing.happened", true},
	}
	for _, tt := range tests {
		if got := subjectMatches(tt.filter, tt.subject); got != tt.want {
			t.Errorf("subjectMatches(%q, %q) = %v, want %v", tt.filter, tt.subject, got, tt.want)
		}
	}
}
