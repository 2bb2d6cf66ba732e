package domain

import (
	"github.com/crossdock/crossdock/pkg/apperr"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations
