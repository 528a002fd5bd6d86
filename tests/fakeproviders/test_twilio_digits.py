"""A code typed in another script's digits is a wrong code to the emulator, never a crash
(the issue's "the emulator crashes")."""

from tests.fakeproviders.test_twilio import TO


def test_a_code_in_arabic_indic_digits_is_a_wrong_code(emulator):
    emulator.send_code(TO)
    code = emulator.sms_code(TO)
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    miss = emulator.check_code(arabic, TO)
    assert miss.status_code == 200
    assert (miss.json()["status"], miss.json()["valid"]) == ("pending", False)
    assert emulator.check_code(code, TO).json()["status"] == "approved"
