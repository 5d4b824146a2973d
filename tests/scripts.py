"""Names in six scripts, for the tests of pictures and report files."""

NAMES = {
    "latin": "José Müller-Øberg",
    "cyrillic": "Дмитрий Шостакович",
    "greek": "Ελένη Παπαδοπούλου",
    "chinese": "张伟",
    "japanese": "山田はなこ",
    "korean": "김민준",
}
