import logging

from core.logging import MaskPersonalDataFilter, mask_personal_numbers


def test_id_numbers_bank_accounts_and_phones_are_masked():
    text = "id 11010519491231002X phone 13912345678 card 6222021234567890123 code 530921201200"
    masked = mask_personal_numbers(text)
    assert "11010519491231002X" not in masked
    assert "13912345678" not in masked
    assert "6222021234567890123" not in masked
    assert "530921201200" in masked  # 12-digit area codes are not personal data


def test_the_filter_rewrites_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "checked %s", ("440524188001010014",), None)
    MaskPersonalDataFilter().filter(record)
    assert "440524188001010014" not in record.getMessage()


def test_celery_workers_keep_the_masking_log_configuration():
    from celery.signals import setup_logging

    from config.celery import use_django_logging

    assert use_django_logging in [receiver() for _key, receiver in setup_logging.receivers]
    use_django_logging()
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, MaskPersonalDataFilter) for handler in handlers for f in handler.filters)
