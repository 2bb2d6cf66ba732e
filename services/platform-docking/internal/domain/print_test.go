package domain_test

import (
	"fmt"
	"strings"
)

func fmtV(v any) string  { return fmt.Sprintf("%v %+v %s", v, v, v) }
func fmtGo(v any) string { return fmt.Sprintf("%#v", v) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
