export { CapturedMessage, SmtpCapture, SmtpCaptureConfigUpdate, SmtpCaptureOptions, createSmtpCapture } from './smtp-capture';
