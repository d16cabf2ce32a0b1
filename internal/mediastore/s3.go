package mediastore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps files as objects "PREFIX/key" in a bucket of an S3-compatible store.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// NewS3 connects to the bucket that rawURL names,
// "https://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?region=REGION]" (http:// for a
// store without TLS), and checks that the bucket exists.
func NewS3(ctx context.Context, rawURL string) (*S3, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("media S3 URL: want https://KEY:SECRET@host/bucket[/prefix]")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return nil, fmt.Errorf("media S3 URL: no bucket in the path")
	}
	secret, _ := u.User.Password()
	client, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(u.User.Username(), secret, ""),
		Secure: u.Scheme == "https",
		Region: u.Query().Get("region"),
	})
	if err != nil {
		return nil, fmt.Errorf("media S3 client: %w", err)
	}
	s := &S3{client: client, bucket: bucket, prefix: strings.TrimSuffix(prefix, "/")}
	ok, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("media S3 bucket %q: %w", bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("media S3 bucket %q does not exist", bucket)
	}
	return s, nil
}

func (s *S3) object(key string) string {
	if s.prefix == "" {
		return key
	}
	return s.prefix + "/" + key
}

func (s *S3) Put(ctx context.Context, key string, f File) error {
	_, err := s.client.PutObject(ctx, s.bucket, s.object(key), bytes.NewReader(f.Body), int64(len(f.Body)),
		minio.PutObjectOptions{ContentType: f.ContentType})
	if err != nil {
		return fmt.Errorf("store media in S3: %w", err)
	}
	return nil
}

func (s *S3) Get(ctx context.Context, key string) (File, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		return File{}, fmt.Errorf("read media from S3: %w", err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if notFound(err) {
		return File{}, ErrNotFound
	}
	if err != nil {
		return File{}, fmt.Errorf("read media from S3: %w", err)
	}
	body, err := io.ReadAll(obj)
	if err != nil {
		return File{}, fmt.Errorf("read media from S3: %w", err)
	}
	return File{ContentType: info.ContentType, Body: body}, nil
}

func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat media in S3: %w", err)
	}
	return true, nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("delete media in S3: %w", err)
	}
	return nil
}

func notFound(err error) bool {
	return err != nil && minio.ToErrorResponse(err).StatusCode == http.StatusNotFound
}
