package twilio

import (
	"net/url"
	"time"
)

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

// RecordingCallback is a recording status callback of a call's voicemail, as Twilio sends it:
// the call's and the recording's ids, never the caller. status is in-progress, completed or
// absent (absent carries error 16101 "too short" when no duration is given).
func RecordingCallback(accountSID, callSID, recordingSID, status, duration string) url.Values {
	v := url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "RecordingSid": {recordingSID}, "RecordingStatus": {status},
		"RecordingUrl":      {"https://api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Recordings/" + recordingSID},
		"RecordingChannels": {"1"}, "RecordingSource": {"RecordVerb"}}
	if duration != "" {
		v.Set("RecordingDuration", duration)
	} else if status == "absent" {
		v.Set("ErrorCode", "16101")
	}
	return v
}

// CallStatusCallback is a call's status callback at `at` (a final one: completed, busy,
// no-answer, failed or canceled).
func CallStatusCallback(accountSID, callSID, from, to, status string, at time.Time) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "CallStatus": {status},
		"Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}, "CallDuration": {"9"}, "CallbackSource": {"call-progress-events"},
		"SequenceNumber": {"0"}, "Timestamp": {at.UTC().Format(time.RFC1123Z)}}
}
