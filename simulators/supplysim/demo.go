package supplysim

// SeedDemo fills the platform with a small catalogue for `crossdock up`
// and demos.
func SeedDemo(p *Platform) error {
	for _, pr := range []Product{
		{ID: "SP-1001", Title: "Stainless steel kettle 1.7 l", Description: "Electric kettle, 2200 W, auto shut-off.",
			SKUs: []SKU{{Code: "SP-1001-SL", Price: "89.00", WeightG: 1200, Package: Package{Length: 260, Width: 200, Height: 240}, Stock: 40, Specs: map[string]string{"colour": "silver"}},
				{Code: "SP-1001-BK", Price: "92.00", WeightG: 1200, Package: Package{Length: 260, Width: 200, Height: 240}, Stock: 25, Specs: map[string]string{"colour": "black"}}}},
		{ID: "SP-1002", Title: "Bamboo cutting board set", Description: "Three boards, oiled bamboo.",
			SKUs: []SKU{{Code: "SP-1002-3", Price: "45.50", WeightG: 1800, Package: Package{Length: 300, Width: 300, Height: 120}, Stock: 60}}},
		{ID: "SP-1003", Title: "LED desk lamp", Description: "Dimmable, USB-C, three colour temperatures.",
			SKUs: []SKU{{Code: "SP-1003-WH", Price: "120.00", WeightG: 700, Package: Package{Length: 180, Width: 180, Height: 220}, Stock: 15, Specs: map[string]string{"colour": "white"}}}},
	} {
		if _, err := p.PutProduct(pr); err != nil {
			return err
		}
	}
	return nil
}
