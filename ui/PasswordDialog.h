// Asks for a password (twice for a new one) without echo; empty or mismatching answers are
// refused in the dialog itself. The password leaves only through ask()'s return value.
#pragma once

#include <QDialog>

#include <optional>

class QLabel;
class QLineEdit;

namespace afk::ui {

class PasswordDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Mode { Existing, New };

    PasswordDialog(const QString &question, Mode mode, QWidget *parent = nullptr);

    // Modal; nullopt when cancelled.
    static std::optional<QString> ask(QWidget *parent, const QString &question, Mode mode);

    QString password() const;
    void accept() override;

private:
    QLineEdit *m_password = nullptr;
    QLineEdit *m_confirmation = nullptr; // New mode only
    QLabel *m_error = nullptr;
};

} // namespace afk::ui
