package twilio

import (
	"net/url"
	"strconv"
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

// RecordingCallback is a recording status callback of a call's voicemail (posted to the voice
// webhook with ?event=recording), as Twilio sends it: the call's and the recording's ids, never
// the caller. status is in-progress, completed or absent (absent carries error 16101, "too
// short", when no duration is given).
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

// VoicemailRecording is the completed recording callback of a call's voicemail, with the
// caller's number added: Twilio's callback does not carry From, but with it a voicemail whose
// call the inbox never saw still finds its caller (the simulator posts each message alone).
func VoicemailRecording(accountSID, callSID, recordingSID, from string, seconds int) url.Values {
	v := RecordingCallback(accountSID, callSID, recordingSID, "completed", strconv.Itoa(seconds))
	v.Set("From", from)
	return v
}

// VoicemailTranscription is the transcription callback of a voicemail (posted to the voice
// webhook with ?event=transcription).
func VoicemailTranscription(accountSID, callSID, recordingSID, transcriptionSID, from, to, text string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "RecordingSid": {recordingSID},
		"TranscriptionSid": {transcriptionSID}, "TranscriptionText": {text}, "TranscriptionStatus": {"completed"},
		"TranscriptionType": {"fast"}, "CallStatus": {"completed"}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}

// CallStatusCallback is a call's status callback at `at` (a final one: completed, busy,
// no-answer, failed or canceled).
func CallStatusCallback(accountSID, callSID, from, to, status string, at time.Time) url.Values {
	return url.Values{"AccountSid": {accountSID}, "CallSid": {callSID}, "From": {from}, "To": {to}, "CallStatus": {status},
		"Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}, "CallDuration": {"9"}, "CallbackSource": {"call-progress-events"},
		"SequenceNumber": {"0"}, "Timestamp": {at.UTC().Format(time.RFC1123Z)}}
}
