;;; emacs_test.el --- run by e2e/emacs.sh after the README's eglot snippet  -*- lexical-binding: t -*-
;; Emacs decides: the diagnostic must reach flymake through eglot.
(require 'eglot)
(require 'flymake)

;; Emacs 28 has no Rust mode of its own; Debian's elpa-rust-mode is optional.
(unless (require 'rust-mode nil t)
  (define-derived-mode rust-mode prog-mode "Rust")
  (add-to-list 'auto-mode-alist '("\\.rs\\'" . rust-mode)))

(defun e2e-fail (fmt &rest args)
  (message "FAIL: %s" (apply #'format fmt args))
  (kill-emacs 1))

(defun e2e-wait (what pred)
  (let ((deadline (+ (float-time) (/ (string-to-number (or (getenv "E2E_TIMEOUT_MS") "60000")) 1000.0))))
    (while (not (funcall pred))
      (when (> (float-time) deadline)
        (e2e-fail "timed out waiting for %s" what))
      (accept-process-output nil 0.2))
    (message "ok: %s" what)))

(defun e2e-undeclared-fs ()
  (seq-find (lambda (d)
              (and (eq (flymake-diagnostic-type d) 'eglot-error)
                   (string-match-p "undeclared-capability" (flymake-diagnostic-text d))))
            (flymake-diagnostics)))

(condition-case err
    (progn
      (find-file (expand-file-name "src/lib.rs" (getenv "FIXTURE")))
      (unless (eq major-mode 'rust-mode)
        (e2e-fail "lib.rs opened in %s" major-mode))
      ;; eglot-ensure (the snippet's hook) starts the server from
      ;; post-command-hook, which batch Emacs never runs: start it directly.
      (apply #'eglot (eglot--guess-contact))
      (e2e-wait "eglot to manage src/lib.rs" (lambda () (eglot-current-server)))
      (e2e-wait "an undeclared-capability diagnostic in flymake" #'e2e-undeclared-fs)
      (message "diagnostic: %s" (flymake-diagnostic-text (e2e-undeclared-fs)))
      (message "e2e-emacs: 1 passed, 0 failed")
      (kill-emacs 0))
  (error (e2e-fail "%S" err)))
