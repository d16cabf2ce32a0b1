package inbox

import (
	"regexp"
	"strings"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidPhone reports whether s is an E.164 number.
func ValidPhone(s string) bool { return e164.MatchString(s) }

// callingCodes maps E.164 country calling codes to ISO 3166-1 alpha-2 codes for the
// countries our customers write from most; longer prefixes are tried first.
var callingCodes = map[string]string{
	"1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR",
	"34": "ES", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE",
	"47": "NO", "48": "PL", "49": "DE", "51": "PE", "52": "MX", "54": "AR", "55": "BR", "56": "CL",
	"57": "CO", "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH",
	"81": "JP", "82": "KR", "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "93": "AF",
	"94": "LK", "95": "MM", "98": "IR", "212": "MA", "213": "DZ", "216": "TN", "234": "NG",
	"254": "KE", "351": "PT", "353": "IE", "358": "FI", "380": "UA", "420": "CZ", "880": "BD",
	"966": "SA", "971": "AE", "972": "IL", "977": "NP",
}

// CountryOfPhone guesses the ISO country of an E.164 number from its calling code, or "".
func CountryOfPhone(phone string) string {
	digits := strings.TrimPrefix(phone, "+")
	if digits == phone || !ValidPhone(phone) {
		return ""
	}
	for n := 3; n >= 1; n-- {
		if cc, ok := callingCodes[digits[:n]]; ok {
			return cc
		}
	}
	return ""
}
