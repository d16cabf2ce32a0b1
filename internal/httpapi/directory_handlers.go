package httpapi

import (
	"net/http"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

type contactRequest struct {
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	Phone       *string `json:"phone"`
	Email       *string `json:"email"`
	CountryCode *string `json:"country_code"`
}

func (c contactRequest) input() inbox.ContactInput {
	return inbox.ContactInput{FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, Email: c.Email, CountryCode: c.CountryCode}
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := inbox.ContactFilter{Search: q.str("search", 200), Page: q.intRange("page", 1, 1, 1_000_000), Limit: q.intRange("limit", 20, 1, 100)}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.Service.ListContacts(r.Context(), principal(r.Context()), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": nonNil(list), "pagination": paginate(total, f.Page, f.Limit)})
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "contactId")
	if err != nil {
		return err
	}
	c, err := s.Service.GetContact(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": c})
	return nil
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	var in contactRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Service.CreateContact(r.Context(), principal(r.Context()), in.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"contact": c})
	return nil
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "contactId")
	if err != nil {
		return err
	}
	var in contactRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Service.UpdateContact(r.Context(), principal(r.Context()), id, in.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": c})
	return nil
}

type tagDefinition struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.Service.ListTags(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": nonNil(tags)})
	return nil
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request) error {
	var in tagDefinition
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.Service.CreateTag(r.Context(), principal(r.Context()), inbox.TagInput{Name: in.Name, Color: in.Color})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"tag": t})
	return nil
}

func (s *Server) updateTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tagId")
	if err != nil {
		return err
	}
	var in tagDefinition
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.Service.UpdateTag(r.Context(), principal(r.Context()), id, inbox.TagInput{Name: in.Name, Color: in.Color})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tag": t})
	return nil
}

func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tagId")
	if err != nil {
		return err
	}
	if err := s.Service.DeleteTag(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Tag deleted successfully"})
	return nil
}
