package twilio

import "net/url"

// The builders below produce Twilio's form webhooks, for the simulator and tests; sign them
// with Sign over the URL they are posted to.

// InboundSMS is an incoming SMS.
func InboundSMS(accountSID, messageSID, from, to, body string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "MessageSid": {messageSID}, "SmsMessageSid": {messageSID}, "From": {from}, "To": {to},
		"Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}, "ApiVersion": {"2010-04-01"}}
}

// StatusCallback is a delivery status of one of our messages.
func StatusCallback(accountSID, messageSID, status string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "MessageSid": {messageSID}, "MessageStatus": {status}, "SmsStatus": {status}, "ApiVersion": {"2010-04-01"}}
}

// IncomingCall is the first webhook of a call.
func IncomingCall(accountSID, callSID, from, to string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "CallStatus": {"ringing"},
		"Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}
