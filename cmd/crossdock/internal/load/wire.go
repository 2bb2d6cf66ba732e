package load

import (
	"bytes"
	"fmt"
	"strconv"
)

// The JSON shapes of the gateway's answers this package reads (protojson:
// lowerCamelCase names, int64 as strings), reduced to the fields it uses.

// int64s is an int64 that the gateway writes as a JSON string ("1250") and
// that a number also fills.
type int64s int64

func (n *int64s) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = int64s(v)
	return nil
}

type moneyJSON struct {
	CurrencyCode string `json:"currencyCode"`
	AmountMinor  int64s `json:"amountMinor"`
}

type tokensJSON struct {
	Tokens struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
		ExpiresIn    int64s `json:"expiresIn"`
	} `json:"tokens"`
}

type meJSON struct {
	User struct {
		UserID         string `json:"userId"`
		OrganizationID string `json:"organizationId"`
	} `json:"user"`
}

type pageJSON struct {
	NextPageToken string `json:"nextPageToken"`
}

type supplierProductsJSON struct {
	Products []struct {
		ProductID string `json:"productId"`
	} `json:"products"`
	Page pageJSON `json:"page"`
}

type listingJSON struct {
	Listing struct {
		ProductID  string `json:"productId"`
		SupplierID string `json:"supplierId"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Skus       []struct {
			SkuID     string    `json:"skuId"`
			Price     moneyJSON `json:"price"`
			Available int64s    `json:"available"`
		} `json:"skus"`
	} `json:"listing"`
}

type stockJSON struct {
	Levels []struct {
		WarehouseID string `json:"warehouseId"`
		Available   int64s `json:"available"`
	} `json:"levels"`
}

type warehousesJSON struct {
	Warehouses []struct {
		WarehouseID string `json:"warehouseId"`
	} `json:"warehouses"`
}

type rateJSON struct {
	Rate struct {
		Rate string `json:"rate"`
	} `json:"rate"`
}

type topUpJSON struct {
	TopUp struct {
		ID       string `json:"id"`
		IntentID string `json:"intentId"`
		State    string `json:"state"`
	} `json:"topUp"`
	ClientSecret string `json:"clientSecret"`
	ConfirmURL   string `json:"confirmUrl"`
}

type walletJSON struct {
	Balances []struct {
		CurrencyCode   string `json:"currencyCode"`
		AvailableMinor int64s `json:"availableMinor"`
	} `json:"balances"`
}

type orderJSON struct {
	Order struct {
		OrderID string    `json:"orderId"`
		Status  string    `json:"status"`
		Total   moneyJSON `json:"total"`
	} `json:"order"`
	Replayed bool `json:"replayed"`
}

// Order statuses the journey checks.
const (
	statusPendingPayment = "ORDER_STATUS_PENDING_PAYMENT"
	statusPaid           = "ORDER_STATUS_PAID"
)
