#include "PasswordDialog.h"

#include "FormWidgets.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace afk::ui {

PasswordDialog::PasswordDialog(const QString &question, Mode mode, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Password"));
    setObjectName(QStringLiteral("passwordDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *text = new QLabel(question, this);
    text->setWordWrap(true);
    text->setTextFormat(Qt::PlainText);
    layout->addWidget(text);
    auto *form = new QFormLayout;
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("password"));
    m_password->setEchoMode(QLineEdit::Password);
    form->addRow(tr("Password"), m_password);
    if (mode == Mode::New) {
        m_confirmation = new QLineEdit(this);
        m_confirmation->setObjectName(QStringLiteral("passwordConfirmation"));
        m_confirmation->setEchoMode(QLineEdit::Password);
        form->addRow(tr("Again"), m_confirmation);
    }
    layout->addLayout(form);
    m_error = makeErrorLabel(QStringLiteral("passwordError"), this);
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("passwordOk"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &PasswordDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &PasswordDialog::reject);
}

std::optional<QString> PasswordDialog::ask(QWidget *parent, const QString &question, Mode mode)
{
    PasswordDialog dialog(question, mode, parent);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.password();
}

QString PasswordDialog::password() const
{
    return m_password->text();
}

void PasswordDialog::accept()
{
    QString error;
    if (m_password->text().isEmpty())
        error = tr("Enter a password.");
    else if (m_confirmation && m_confirmation->text() != m_password->text())
        error = tr("The two passwords differ.");
    if (!error.isEmpty()) {
        m_error->setText(error);
        m_error->show();
        return;
    }
    QDialog::accept();
}

} // namespace afk::ui
