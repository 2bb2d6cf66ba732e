package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/auth"
)

// A supplier's ERP works over gRPC with signed requests: the supplier creates
// the client through the gateway, the ERP syncs its warehouse directly at
// inventory and submits its product at the catalog, recorded as the actor each
// time, and what it signs works for no other supplier, not twice, and not with
// another body.
func TestSupplierERPWithSignedRequests(t *testing.T) {
	base, offset := apiMesh(t)
	c := newClient(t, base, "127.0.0.23")
	admin, _ := c.login(adminEmail, demoPassword)
	s1, _ := c.login(supplierEmail, demoPassword)
	s2, _ := c.login(supplier2Email, demoPassword)
	f := newCatalogFixture(t, c, admin)
	word := strings.ToUpper(rand.Text()[:10])
	code := "ERP-" + word

	product := c.do("POST", "/v1/products", s1, map[string]any{
		"modelId": f.model, "type": "PRODUCT_TYPE_PHYSICAL", "origin": map[string]any{"countryCode": "CN", "regionCode": "CN-GD"},
		"defaultLocale": "en", "content": lampContent(f, "ERP lamp "+word, code, 1500),
	}).must(t, 200, "create a product")
	sku := firstSKU(t, product)
	mine, theirs := supplierWarehouse(t, c, s1, "ERP one "+word), supplierWarehouse(t, c, s2, "ERP two "+word)
	stockOnce(t, c, s1, mine, sku, 3).must(t, 200, "stock the SKU once inventory knows it")

	org := c.do("GET", "/v1/me", s1, nil).must(t, 200, "supplier profile").str("user", "organizationId")
	created := c.do("POST", "/v1/api-clients", s1, map[string]any{
		"name": "ERP " + word, "kind": "API_CLIENT_KIND_ERP", "organizationId": org,
	}).must(t, 200, "create the ERP client")
	clientID := created.str("client", "clientId")
	// The generated private key is shown once, as PKCS#8 PEM; Crossdock keeps
	// only the public key, which it lists.
	key, err := auth.ParseRequestPrivateKey(created.str("privateKey"))
	if err != nil || created.str("secret") != "" {
		t.Fatalf("ERP client created with private key %q and secret %q: %v; want a PEM private key and no secret",
			created.str("privateKey"), created.str("secret"), err)
	}
	if listedKey, err := auth.ParseRequestPublicKey(created.str("client", "publicKey")); err != nil || !listedKey.Equal(key.Public()) {
		t.Fatalf("listed public key %q does not match the private key: %v", created.str("client", "publicKey"), err)
	}

	dial := func(port int, opts ...grpc.DialOption) *grpc.ClientConn {
		conn, err := grpc.NewClient(addr(port, offset), append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	signer := grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(clientID, key))
	erp := inventoryv1.NewInventoryServiceClient(dial(9103, signer))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sync := &inventoryv1.SyncStockRequest{WarehouseId: mine, SyncId: "erp-" + word,
		Lines: []*inventoryv1.SyncLine{{SkuCode: code, OnHand: 40}, {SkuCode: "NO-SUCH-" + word, OnHand: 1}}}
	resp, err := erp.SyncStock(ctx, sync)
	if err != nil {
		t.Fatalf("signed sync: %v", err)
	}
	statuses := func(r *inventoryv1.SyncStockResponse) []inventoryv1.SyncLineStatus {
		var out []inventoryv1.SyncLineStatus
		for _, l := range r.GetResults() {
			out = append(out, l.GetStatus())
		}
		return out
	}
	want := []inventoryv1.SyncLineStatus{inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_APPLIED, inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_REJECTED}
	if got := statuses(resp); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("sync results %v, want the known code applied and the unknown one rejected", resp.GetResults())
	}
	// The same sync again, signed afresh, is answered from the first result.
	if again, err := erp.SyncStock(ctx, sync); err != nil || !proto.Equal(again, resp) {
		t.Fatalf("repeated sync: %v, %v; want the first result %v", again, err, resp)
	}
	stock := c.do("GET", "/v1/stock/"+sku, s1, nil).must(t, 200, "the supplier reads its stock")
	if levels := stock.list("levels"); len(levels) != 1 || levels[0]["onHand"] != "40" {
		t.Fatalf("stock after the ERP sync: %s, want 40 on hand", stock.Raw)
	}
	journal := c.do("GET", "/v1/stock/"+sku+"/journal", s1, nil).must(t, 200, "journal")
	syncs := 0
	for _, e := range journal.list("entries") {
		if e["kind"] == "sync" {
			syncs++
			if e["actorId"] != clientID || e["onHandDelta"] != "37" {
				t.Errorf("sync journal entry %v, want actor %s and +37", e, clientID)
			}
		}
	}
	if syncs != 1 {
		t.Errorf("%d sync entries in %s, want exactly one", syncs, journal.Raw)
	}

	// Another supplier's warehouse does not exist for this ERP.
	other := &inventoryv1.SyncStockRequest{WarehouseId: theirs, SyncId: "erp-other-" + word,
		Lines: []*inventoryv1.SyncLine{{SkuCode: code, OnHand: 1}}}
	if _, err := erp.SyncStock(ctx, other); status.Code(err) != codes.NotFound {
		t.Fatalf("sync of another supplier's warehouse: %v, want NotFound", err)
	}

	// A captured request cannot be replayed, nor its signature reused for
	// another body.
	plain := inventoryv1.NewInventoryServiceClient(dial(9103))
	method := inventoryv1.InventoryService_SyncStock_FullMethodName
	signedWith := func(key ed25519.PrivateKey, req proto.Message) context.Context {
		body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		now, nonce := time.Now(), "replay-"+word+"-"+strconv.FormatInt(time.Now().UnixNano(), 10)
		return metadata.AppendToOutgoingContext(ctx, auth.ClientIDHeader, clientID,
			auth.TimestampHeader, strconv.FormatInt(now.Unix(), 10), auth.NonceHeader, nonce,
			auth.SignatureHeader, auth.SignRequest(key, method, now, nonce, body))
	}
	signedFor := func(req proto.Message) context.Context { return signedWith(key, req) }
	captured := signedFor(sync)
	if _, err := plain.SyncStock(captured, sync); err != nil {
		t.Fatalf("hand-signed sync: %v", err)
	}
	if _, err := plain.SyncStock(captured, sync); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("replayed request: %v, want Unauthenticated", err)
	}
	raised := proto.Clone(sync).(*inventoryv1.SyncStockRequest)
	raised.SyncId += "-raised"
	raised.Lines[0].OnHand = 9000
	if _, err := plain.SyncStock(signedFor(sync), raised); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("another body under a signature: %v, want Unauthenticated", err)
	}
	// Neither another key nor the public key (all a leaked database or key
	// cache would give) signs for the client.
	public := key.Public().(ed25519.PublicKey)
	stranger, err := auth.GenerateRequestKey()
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]ed25519.PrivateKey{"another key": stranger, "the public key as a seed": ed25519.NewKeyFromSeed(public)} {
		forged := proto.Clone(raised).(*inventoryv1.SyncStockRequest)
		forged.SyncId += "-" + strings.ReplaceAll(name, " ", "-")
		if _, err := plain.SyncStock(signedWith(k, forged), forged); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("signed with %s: %v, want Unauthenticated", name, err)
		}
	}
	if again := c.do("GET", "/v1/stock/"+sku, s1, nil).must(t, 200, "stock"); again.list("levels")[0]["onHand"] != "40" {
		t.Fatalf("stock after refused requests: %s, want 40", again.Raw)
	}

	// At the catalog the ERP is the supplier too: it sees the supplier's
	// products, and what it submits is recorded as its doing.
	catalog := catalogv1.NewCatalogServiceClient(dial(9102, signer))
	productID := product.str("product", "productId")
	if got, err := catalog.GetProduct(ctx, &catalogv1.GetProductRequest{ProductId: productID}); err != nil || got.GetProduct().GetSupplierId() != org {
		t.Fatalf("ERP reads the supplier's product: %v, %v", got, err)
	}
	listed, err := catalog.ListSupplierProducts(ctx, &catalogv1.ListSupplierProductsRequest{})
	if err != nil || len(listed.GetProducts()) == 0 {
		t.Fatalf("ERP lists the supplier's products: %v, %v", listed, err)
	}
	for _, p := range listed.GetProducts() {
		if p.GetSupplierId() != org {
			t.Fatalf("the ERP's list holds product %s of supplier %s", p.GetProductId(), p.GetSupplierId())
		}
	}
	if _, err := catalog.SubmitProduct(ctx, &catalogv1.SubmitProductRequest{ProductId: productID}); err != nil {
		t.Fatalf("ERP submits the product: %v", err)
	}
	history := c.do("GET", "/v1/products/"+productID+"/history", s1, nil).must(t, 200, "product history")
	if !strings.Contains(history.Raw, clientID) {
		t.Errorf("the history does not name the ERP client %s: %s", clientID, history.Raw)
	}

	// An ERP may bring its own key pair: it registers the public key and is
	// shown nothing secret.
	own, err := auth.GenerateRequestKey()
	if err != nil {
		t.Fatal(err)
	}
	registered := c.do("POST", "/v1/api-clients", s1, map[string]any{
		"name": "ERP own key " + word, "kind": "API_CLIENT_KIND_ERP", "organizationId": org,
		"publicKey": base64.StdEncoding.EncodeToString(own.Public().(ed25519.PublicKey)),
	}).must(t, 200, "create an ERP client with its own public key")
	if registered.str("privateKey") != "" || registered.str("secret") != "" {
		t.Fatalf("a client with its own key was shown a credential: %s", registered.Raw)
	}
	ownERP := inventoryv1.NewInventoryServiceClient(dial(9103,
		grpc.WithChainUnaryInterceptor(auth.SignedUnaryClientInterceptor(registered.str("client", "clientId"), own))))
	ownSync := &inventoryv1.SyncStockRequest{WarehouseId: mine, SyncId: "erp-own-" + word,
		Lines: []*inventoryv1.SyncLine{{SkuCode: code, OnHand: 41}}}
	if _, err := ownERP.SyncStock(ctx, ownSync); err != nil {
		t.Fatalf("sync signed with the client's own key: %v", err)
	}
	c.do("POST", "/v1/api-clients", s1, map[string]any{
		"name": "ERP bad key " + word, "kind": "API_CLIENT_KIND_ERP", "organizationId": org, "publicKey": "not-a-key",
	}).must(t, 400, "a malformed public key is refused")
}
