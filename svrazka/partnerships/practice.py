"""The partnership practice of the training deck "Networking: building partnerships" (ATSIV,
Erasmus+) as plain data: the flow before/during/after, the forms of partnership with their default
checklists, the six parts of a partnership agreement, the evaluation questions and ratings, and the
roles of partners.

Both languages live in the data itself: these are defaults that a workspace copies into its
database and may then edit, not interface strings. Standard library only, so that migrations and
tests can import it without Django.
"""

from dataclasses import dataclass
from typing import NamedTuple


def _pick(lang: str, en: str, bg: str) -> str:
    """Bulgarian for "bg" (also "bg-BG" and the like), English for anything else."""
    return bg if (lang or "").lower().startswith("bg") and bg else en


class Phase(NamedTuple):
    key: str
    name_en: str
    name_bg: str

    def name(self, lang: str) -> str:
        return _pick(lang, self.name_en, self.name_bg)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    phase: str
    title_en: str
    title_bg: str

    def title(self, lang: str) -> str:
        return _pick(lang, self.title_en, self.title_bg)


@dataclass(frozen=True, slots=True)
class Form:
    key: str
    name_en: str
    name_bg: str

    def name(self, lang: str) -> str:
        return _pick(lang, self.name_en, self.name_bg)


@dataclass(frozen=True, slots=True)
class ChecklistDefault:
    step: str
    title_en: str
    title_bg: str
    hint_en: str
    hint_bg: str

    def title(self, lang: str) -> str:
        return _pick(lang, self.title_en, self.title_bg)

    def hint(self, lang: str) -> str:
        return _pick(lang, self.hint_en, self.hint_bg)


@dataclass(frozen=True, slots=True)
class AgreementPart:
    key: str
    title_en: str
    title_bg: str
    hint_en: str
    hint_bg: str

    def title(self, lang: str) -> str:
        return _pick(lang, self.title_en, self.title_bg)

    def hint(self, lang: str) -> str:
        return _pick(lang, self.hint_en, self.hint_bg)


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    text_en: str
    text_bg: str

    def text(self, lang: str) -> str:
        return _pick(lang, self.text_en, self.text_bg)


@dataclass(frozen=True, slots=True)
class Rating:
    key: str
    text_en: str
    text_bg: str

    def text(self, lang: str) -> str:
        return _pick(lang, self.text_en, self.text_bg)


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    name_en: str
    name_bg: str

    def name(self, lang: str) -> str:
        return _pick(lang, self.name_en, self.name_bg)


# --- the flow -------------------------------------------------------------------------------

PHASES: list[Phase] = [
    Phase("before", "Before", "Преди"),
    Phase("during", "During", "По време"),
    Phase("after", "After", "След"),
]

# The deck's slide "Поток на партньорствата". Its "after" column is in English only in the deck
# ("Evaluate the partnership", "Develop partnership loyalty", "Follow-up with developments");
# the Bulgarian titles of those three are translated in the deck's imperative style.
STEPS: list[Step] = [
    Step(
        "favourable_conditions",
        "before",
        "Create favourable conditions for the partnership",
        "Създайте благоприятни обстоятелства за партньорство",
    ),
    Step("strategy", "before", "Develop a strategy", "Изработете стратегия"),
    Step(
        "contact",
        "before",
        "Contact potential partners appropriately",
        "Свържете се с потенциални партньори по подходящ начин",
    ),
    Step("negotiate", "before", "Negotiate the partnership", "Преговаряйте за партньорство"),
    Step(
        "duties",
        "during",
        "Define the duties of key people",
        "Определете задълженията на ключовите хора, които участват в организацията",
    ),
    Step(
        "joint_strategies", "during", "Develop joint strategies", "Разработете съвместни стратегии"
    ),
    Step("joint_projects", "during", "Develop joint projects", "Разработете съвместни проекти"),
    Step("resources", "during", "Attract additional resources", "Привлечете допълнителни ресурси"),
    Step("evaluate", "after", "Evaluate the partnership", "Оценете партньорството"),
    Step("loyalty", "after", "Develop partnership loyalty", "Развийте лоялност към партньорството"),
    Step("follow_up", "after", "Follow up with developments", "Проследете развитието"),
]

# --- forms of partnership -------------------------------------------------------------------

FORMS: list[Form] = [
    Form("formal", "Formal partnership", "Формално партньорство"),
    Form("coalition", "Coalition", "Обединение"),
    Form("informal_coalition", "Informal coalition", "Неформално обединение"),
    Form("media", "Media partnership", "Медийно партньорство"),
    Form("sponsorship", "Sponsorship", "Спонсорство"),
    Form("licensing", "Licensing", "Лицензиране"),
    Form("supporter", "Supporters and advocates", "Подкрепящи/застъпници"),
    Form("crowdsourcing", "Crowdsourcing", "Краудсорсинг"),
]

# --- the partnership agreement --------------------------------------------------------------

AGREEMENT_PARTS: list[AgreementPart] = [
    AgreementPart(
        "common_goals",
        "Common goals",
        "Общи цели",
        "What the partners want to achieve together and the needs behind it. Every organisation "
        "should be clear on the common goals and needs.",
        "Какво искат да постигнат партньорите заедно и на какви нужди отговаря това. Всяка "
        "организация трябва да е наясно с общите цели и нужди.",
    ),
    AgreementPart(
        "responsibilities",
        "Responsibilities of the partners",
        "Отговорности на партньорите",
        "Who does what: the commitments of each partner and the key people who carry them out, "
        "so that every organisation fully understands its responsibilities.",
        "Кой какво прави: ангажиментите на всеки партньор и ключовите хора, които ги изпълняват, "
        "така че всяка организация напълно да разбира своите отговорности.",
    ),
    AgreementPart(
        "contributions",
        "Contributions of the partners",
        "Принос на партньорите",
        "What each partner brings to the common goal: funds, staff, expertise, equipment, "
        "contacts or other resources.",
        "Какво внася всеки партньор за общата цел: средства, хора, експертиза, оборудване, "
        "контакти или други ресурси.",
    ),
    AgreementPart(
        "period",
        "Period of cooperation",
        "Период на сътрудничество",
        "When the cooperation starts and ends, its main milestones, and how it can be extended "
        "or ended early.",
        "Кога започва и кога приключва сътрудничеството, основните му етапи и как може да бъде "
        "удължено или прекратено предсрочно.",
    ),
    AgreementPart(
        "mechanism",
        "Cooperation mechanism",
        "Механизъм за сътрудничество",
        "How the partners work together: meetings, how decisions are taken, communication "
        "channels and reporting.",
        "Как работят заедно партньорите: срещи, начин на вземане на решения, канали за "
        "комуникация и отчитане.",
    ),
    AgreementPart(
        "benefits",
        "Distribution of benefits",
        "Разпределение на ползите",
        "How the results are shared: who owns and may use the results and the intellectual "
        "property, how each partner is made visible, how any revenue is divided.",
        "Как се споделят резултатите: кой притежава и може да използва резултатите и "
        "интелектуалната собственост, как се представя всеки партньор, как се разпределят "
        "евентуалните приходи.",
    ),
]

# --- default checklists, one per form -------------------------------------------------------

C = ChecklistDefault

DEFAULT_CHECKLISTS: dict[str, list[ChecklistDefault]] = {
    "formal": [
        C(
            "favourable_conditions",
            "Keep an up-to-date contacts database",
            "Поддържайте актуална база данни с контакти",
            "Keep a detailed record of organisations and people, and take the initiative to make "
            "new contacts within existing partnerships.",
            "Водете подробна база с организации и хора и поемете инициативата за нови контакти в "
            "рамките на съществуващите партньорства.",
        ),
        C(
            "favourable_conditions",
            "Take part in networking events",
            "Участвайте в събития за нетуъркинг",
            "Attend conferences, seminars and workshops, online and offline, and create "
            "networking opportunities yourself.",
            "Посещавайте конференции, семинари и уъркшопи – онлайн и офлайн – и сами създавайте "
            "възможности за нетуъркинг.",
        ),
        C(
            "strategy",
            "Clarify your goals and needs",
            "Изяснете целите и нуждите си",
            "Know what you want to achieve and which resources you lack: partners share their "
            "resources to reach one common goal.",
            "Изяснете какво искате да постигнете и какви ресурси ви липсват: партньорите "
            "споделят ресурсите си, за да постигнат обща цел.",
        ),
        C(
            "strategy",
            "Set the criteria for choosing partners",
            "Определете критерии за избор на партньори",
            "Choose partners carefully: check that values, methods of operation and relations "
            "with third parties are compatible.",
            "Избирайте партньорите внимателно: проверете съвместимостта в ценностите, методите "
            "на работа и връзките с трети страни.",
        ),
        C(
            "contact",
            "Look for partners in the right places",
            "Търсете партньори на подходящите места",
            "Conferences, seminars and workshops; events and previous projects; websites; "
            "platforms; networks; professional organisations.",
            "Конференции, семинари и уъркшопи; събития и предишни проекти; уебсайтове; "
            "платформи; мрежи; професионални организации.",
        ),
        C(
            "contact",
            "Register on partner-search platforms",
            "Регистрирайте се в платформи за търсене на партньори",
            "Use the platforms for finding partners for European programmes and check "
            "partner-search posts regularly.",
            "Използвайте платформите за намиране на партньори за европейски програми и "
            "проверявайте редовно обявите за търсене на партньори.",
        ),
        C(
            "negotiate",
            "Agreement: common goals",
            "Споразумение: общи цели",
            "Agree what the partners want to achieve together; every organisation should be clear "
            "on the common goals and needs.",
            "Договорете какво искат да постигнат партньорите заедно; всяка организация трябва да "
            "е наясно с общите цели и нужди.",
        ),
        C(
            "negotiate",
            "Agreement: responsibilities of the partners",
            "Споразумение: отговорности на партньорите",
            "Agree who does what, so that every organisation fully understands its commitments "
            "and responsibilities.",
            "Договорете кой какво прави, така че всяка организация напълно да разбира своите "
            "ангажименти и отговорности.",
        ),
        C(
            "negotiate",
            "Agreement: contributions of the partners",
            "Споразумение: принос на партньорите",
            "Agree what each partner brings: funds, staff, expertise, equipment, contacts.",
            "Договорете какво внася всеки партньор: средства, хора, експертиза, оборудване, "
            "контакти.",
        ),
        C(
            "negotiate",
            "Agreement: period of cooperation",
            "Споразумение: период на сътрудничество",
            "Agree when the cooperation starts and ends, and how it can be extended or ended.",
            "Договорете кога започва и кога приключва сътрудничеството и как може да бъде "
            "удължено или прекратено.",
        ),
        C(
            "negotiate",
            "Agreement: cooperation mechanism",
            "Споразумение: механизъм за сътрудничество",
            "Agree the meetings, how decisions are taken, the communication channels and "
            "reporting.",
            "Договорете срещите, начина на вземане на решения, каналите за комуникация и "
            "отчитането.",
        ),
        C(
            "negotiate",
            "Agreement: distribution of benefits",
            "Споразумение: разпределение на ползите",
            "Agree how results, intellectual property, visibility and any revenue are shared.",
            "Договорете как се разпределят резултатите, интелектуалната собственост, видимостта "
            "и евентуалните приходи.",
        ),
        C(
            "negotiate",
            "Sign the agreement",
            "Подпишете споразумението",
            "Representatives of all partners sign it; it sets the limits of the cooperation and "
            "the forms of assistance.",
            "Подписва се от представители на всички партньори и урежда пределите на "
            "сътрудничество и формите на съдействие.",
        ),
        C(
            "duties",
            "Define the duties of key people",
            "Определете задълженията на ключовите хора",
            "Record who does what in each organisation.",
            "Запишете кой какво прави във всяка организация.",
        ),
        C(
            "duties",
            "Appoint a liaison",
            "Назначете лиезон (свръзка)",
            "The liaison bridges the organisations, keeps them cohesive and keeps communication "
            "flowing; choosing the right one is a strategic decision.",
            "Лиезонът е мостът между организациите – грижи се за сплотеността и потока на "
            "комуникация; изборът му е стратегическо решение.",
        ),
        C(
            "duties",
            "Consider a facilitator",
            "Преценете нужда от фасилитатор",
            "A neutral person everyone trusts – a known specialist, someone who knows the cause "
            "or an experienced negotiator – helps in difficult situations.",
            "Неутрален човек, на когото всички имат доверие – известен специалист, познавач на "
            "каузата или опитен преговарящ, – помага в трудни ситуации.",
        ),
        C(
            "joint_strategies",
            "Develop joint strategies",
            "Разработете съвместни стратегии",
            "Keep transparency and a willingness to discuss and solve pressing problems.",
            "Поддържайте прозрачност и желание за дискусия и разрешаване на належащите проблеми.",
        ),
        C(
            "joint_projects",
            "Develop joint projects",
            "Разработете съвместни проекти",
            "Work together on joint programmes; follow and use the ideas that come up in dialogue.",
            "Сътрудничете при разработването на съвместни програми; следете и използвайте "
            "идеите, които възникват в диалога.",
        ),
        C(
            "resources",
            "Attract additional resources",
            "Привлечете допълнителни ресурси",
            "Apply together to European and other programmes; share information and resources "
            "within the network.",
            "Кандидатствайте заедно по европейски и други програми; споделяйте информация и "
            "ресурси в мрежата.",
        ),
        C(
            "evaluate",
            "Evaluate the partnership",
            "Оценете партньорството",
            "Each side answers the evaluation questions: was it useful for both sides and for the "
            "community, what challenges arose, what would you change.",
            "Всяка страна отговаря на въпросите за оценка: полезно ли беше и за двете страни и за "
            "общността, какви бяха предизвикателствата, какво бихте променили.",
        ),
        C(
            "loyalty",
            "Develop partnership loyalty",
            "Развийте лоялност към партньорството",
            "Thank the partners, share the results and agree on the next joint steps.",
            "Благодарете на партньорите, споделете резултатите и договорете следващите общи "
            "стъпки.",
        ),
        C(
            "follow_up",
            "Follow up with developments",
            "Проследете развитието",
            "Get updates on what the partners do; a partner who stops answering is a signal to "
            "act early.",
            "Получавайте новини какво правят партньорите; партньор, който спре да отговаря, е "
            "сигнал да действате навреме.",
        ),
    ],
    "coalition": [
        C(
            "favourable_conditions",
            "Take the initiative to build the network",
            "Поемете инициативата за изграждане на мрежа",
            "Build new networks, or new contacts within existing partnerships, around the cause.",
            "Изградете нови мрежи или нови контакти в рамките на съществуващите партньорства "
            "около каузата.",
        ),
        C(
            "strategy",
            "Define the common goal",
            "Определете общата цел",
            "A coalition is an alliance of organisations that supports a specific goal: state "
            "the goal and the needs it answers.",
            "Обединението е съюз между организации, който подкрепя определена цел: формулирайте "
            "целта и нуждите, на които отговаря.",
        ),
        C(
            "strategy",
            "Make clear what members gain",
            "Изяснете ползите за членовете",
            "A consultative or support group, timely action, access to information, know-how "
            "and resources, a more recognisable cause.",
            "Консултираща или подкрепяща група, навременни действия, достъп до информация, "
            "ноу-хау и ресурси, по-разпознаваема кауза.",
        ),
        C(
            "contact",
            "Invite member organisations",
            "Поканете организации за членове",
            "Check that values, methods of operation and relations with third parties are "
            "compatible.",
            "Проверете съвместимостта в ценностите, методите на работа и връзките с трети страни.",
        ),
        C(
            "negotiate",
            "Negotiate the framework for cooperation",
            "Договорете рамката за сътрудничество",
            "How the framework is created and negotiated is key to the coalition's effectiveness; "
            "set it down in an agreement.",
            "Процесът на създаване и договаряне на рамката е ключов за ефективността на "
            "обединението; уредете го в споразумение.",
        ),
        C(
            "negotiate",
            "Agree the membership rules",
            "Договорете правилата за членство",
            "Who can join, what each member commits to, how a member joins or leaves.",
            "Кой може да се присъедини, какво поема всеки член, как се влиза в обединението и "
            "как се излиза от него.",
        ),
        C(
            "negotiate",
            "Agree the decision rules",
            "Договорете правилата за вземане на решения",
            "How decisions are taken and how problems are discussed and resolved, openly and "
            "transparently.",
            "Как се вземат решенията и как проблемите се обсъждат и разрешават – открито и "
            "прозрачно.",
        ),
        C(
            "duties",
            "Appoint a coordinator",
            "Определете координатор",
            "A liaison who bridges the member organisations and keeps communication flowing; add "
            "a neutral facilitator when needed.",
            "Лиезон, който свързва организациите членове и поддържа комуникацията; при нужда – и "
            "неутрален фасилитатор.",
        ),
        C(
            "duties",
            "Make each member's commitments clear",
            "Изяснете ангажиментите на всеки член",
            "All organisations must fully understand their commitments and responsibilities.",
            "Всички организации трябва напълно да разбират своите ангажименти и отговорности.",
        ),
        C(
            "joint_strategies",
            "Develop joint programmes",
            "Разработете съвместни програми",
            "Plan together how the coalition pursues its goal and how it acts in time when a "
            "situation calls for it.",
            "Планирайте заедно как обединението преследва целта си и как действа навреме, когато "
            "ситуацията го изисква.",
        ),
        C(
            "joint_projects",
            "Carry out joint actions",
            "Осъществете съвместни действия",
            "Joint projects and campaigns make the cause more recognisable.",
            "Съвместните проекти и кампании правят каузата по-разпознаваема.",
        ),
        C(
            "resources",
            "Share information, know-how and resources",
            "Споделяйте информация, ноу-хау и ресурси",
            "Exchange information within the coalition and pool resources for the common goal.",
            "Обменяйте информация в обединението и обединявайте ресурси за общата цел.",
        ),
        C(
            "evaluate",
            "Review member activity and internal relations",
            "Прегледайте активността на членовете и вътрешните отношения",
            "Who is active, who went quiet, and is the coalition still effective?",
            "Кой е активен, кой е замлъкнал и ефективно ли е все още обединението?",
        ),
        C(
            "loyalty",
            "Keep good internal relations",
            "Поддържайте добри вътрешни отношения",
            "Good internal relations are a must for the coalition to stay effective.",
            "Добрите вътрешни отношения са задължителни, за да остане обединението ефективно.",
        ),
        C(
            "follow_up",
            "Exchange updates with members",
            "Разменяйте новини с членовете",
            "Send members updates and get updates on what each of them is doing.",
            "Изпращайте новини на членовете и разбирайте какво прави всеки от тях.",
        ),
    ],
    "informal_coalition": [
        C(
            "favourable_conditions",
            "Build on past cooperation",
            "Надградете предишното сътрудничество",
            "Informal coalitions grow from successful projects, long cooperation and personal "
            "and organisational preferences.",
            "Неформалните обединения се развиват от успешни проекти, дългогодишно "
            "сътрудничество и лични и организационни предпочитания.",
        ),
        C(
            "strategy",
            "Plan how to develop the relationships",
            "Планирайте развитието на отношенията",
            "An informal coalition can be fed deliberately by strategies for developing "
            "relationships.",
            "Неформалното обединение може да бъде подхранвано целенасочено със стратегии за "
            "развитие на отношенията.",
        ),
        C(
            "contact",
            "Reach out within existing networks",
            "Свържете се с хора от съществуващите мрежи",
            "Take the initiative to make new contacts within the partnerships and networks you "
            "already have.",
            "Поемете инициативата за нови контакти в рамките на партньорствата и мрежите, които "
            "вече имате.",
        ),
        C(
            "negotiate",
            "Agree the common goals informally",
            "Договорете неформално общите цели",
            "Even without a formal agreement, write down what you agreed, and decide whether a "
            "formal agreement is needed.",
            "Дори без формално споразумение запишете какво сте договорили и преценете дали не е "
            "нужно формално споразумение.",
        ),
        C(
            "duties",
            "Name a contact person in each organisation",
            "Определете лице за контакт във всяка организация",
            "Know who speaks for each member, so that messages do not turn into a game of "
            "“broken telephone”.",
            "Знайте кой говори от името на всеки член, за да не се получава „развален телефон“.",
        ),
        C(
            "joint_strategies",
            "Exchange information in the network",
            "Разменяйте информация в мрежата",
            "Share news, calls and ideas with the members and follow the ideas that come up in "
            "dialogue.",
            "Споделяйте новини, покани и идеи с членовете и следете идеите, които възникват в "
            "диалога.",
        ),
        C(
            "joint_projects",
            "Prepare joint projects",
            "Подгответе съвместни проекти",
            "Successful joint projects are what holds an informal coalition together.",
            "Успешните съвместни проекти са това, което крепи неформалното обединение.",
        ),
        C(
            "resources",
            "Share access to resources and know-how",
            "Споделяйте достъп до ресурси и ноу-хау",
            "Point members to funding, expertise and contacts relevant to the common goal.",
            "Насочвайте членовете към финансиране, експертиза и контакти, свързани с общата цел.",
        ),
        C(
            "evaluate",
            "Check mutual trust and benefit",
            "Проверете взаимното доверие и ползите",
            "An informal coalition rests on mutual trust and benefit for the parties: are both "
            "still there?",
            "Неформалното обединение се основава на взаимно доверие и ползи за страните: налице "
            "ли са те и сега?",
        ),
        C(
            "loyalty",
            "Strengthen mutual trust",
            "Укрепвайте взаимното доверие",
            "Keep your promises, acknowledge the others' contribution and stay in regular contact.",
            "Спазвайте обещанията си, признавайте приноса на другите и поддържайте редовен "
            "контакт.",
        ),
        C(
            "follow_up",
            "Get updates on what members do",
            "Следете какво правят членовете",
            "Ask for news regularly; a member who stops answering is a signal to act early.",
            "Питайте редовно за новини; член, който спре да отговаря, е сигнал да действате "
            "навреме.",
        ),
    ],
    # The deck's seven steps for planning a media partnership ("Изграждане на медийни
    # партньорства (2)") keep their order and the deck's wording; the other items come from
    # "Подкрепа от медиите" and "Изграждане на медийни партньорства (1)".
    "media": [
        C(
            "favourable_conditions",
            "Bring out facts that matter to the public",
            "Изведете факти, които са важни за обществото",
            "Media are cautious about backing organisations; facts presented as arguments "
            "relevant to the wider public bring a cause and its story to the media.",
            "Медиите са предпазливи към подкрепата на организации; факти, представени като "
            "аргументи, важни за широката общественост, отвеждат каузата и историята ѝ до "
            "медиите.",
        ),
        C(
            "strategy",
            "Define the goals",
            "Определяне на целите",
            "What the NGO wants from the media partnership: awareness of the cause, a campaign, a "
            "story told.",
            "Какво иска НПО-то от медийното партньорство: информираност за каузата, кампания, "
            "разказана история.",
        ),
        C(
            "strategy",
            "Understand what motivates the media partner",
            "Установяване какво мотивира медийните партньори",
            "Learn the outlet's programme, audience and interests, and how it understands your "
            "cause.",
            "Проучете програмата, аудиторията и интересите на медията и как тя разбира вашата "
            "кауза.",
        ),
        C(
            "contact",
            "Select and connect with partners",
            "Избиране и свързване с партньорите",
            "Choose the outlets and journalists; a representative of the NGO makes direct "
            "contact with them.",
            "Изберете медиите и журналистите; представител на НПО-то установява директен контакт "
            "с тях.",
        ),
        C(
            "negotiate",
            "Agree on values, views and goals",
            "Съгласие относно ценностите, вижданията и целите",
            "Shared values and views, and the media's own programme, shape the partnership; agree "
            "on them before you start.",
            "Споделените ценности и мироглед, както и медийната програма, определят "
            "партньорството; договорете ги предварително.",
        ),
        C(
            "duties",
            "Appoint the NGO's media contact",
            "Определете представител на НПО-то за контакт с медиите",
            "One person keeps direct, constant and systematic contact with the media "
            "representatives.",
            "Един човек поддържа директен, постоянен и системен контакт с представителите на "
            "медиите.",
        ),
        C(
            "joint_strategies",
            "Create a communication strategy",
            "Създаване на стратегия за комуникации",
            "What you say, through which channels and when, and what the media partner publishes.",
            "Какво казвате, по кои канали и кога, и какво публикува медийният партньор.",
        ),
        C(
            "joint_projects",
            "Plan events and involve media representatives",
            "Планиране на събития и включване на представители на медиите",
            "Invite the media partner to your events and give them a story to tell.",
            "Канете медийния партньор на събитията си и му давайте история, която да разкаже.",
        ),
        C(
            "resources",
            "Find partners who spread the cause",
            "Намерете партньори, които да разпространят каузата",
            "Partners who spread the cause raise the media's interest and help persuade them to "
            "tell your story.",
            "Партньорите, които разпространяват каузата, увеличават интереса на медиите и "
            "помагат да ги убедите да разкажат историята ви.",
        ),
        C(
            "evaluate",
            "Monitor and follow up",
            "Наблюдение и следване",
            "Record the coverage obtained, compare it with the goals and note what to follow up.",
            "Записвайте получените публикации и отразявания, сравнете ги с целите и отбележете "
            "какво да проследите.",
        ),
        C(
            "loyalty",
            "Keep constant, systematic contact",
            "Поддържайте постоянни и системни връзки",
            "Effective media partnerships are the result of long-term effort; stay in touch "
            "between campaigns too.",
            "Ефективните медийни партньорства са резултат от дългосрочни усилия; поддържайте "
            "връзка и между кампаниите.",
        ),
        C(
            "follow_up",
            "Offer new stories",
            "Предлагайте нови истории",
            "Follow up with new facts and results of the cause that matter to the outlet's "
            "audience.",
            "Проследете с нови факти и резултати от каузата, които са интересни за аудиторията "
            "на медията.",
        ),
    ],
    # "Развиване на връзки със спонсори" (1): the checks before starting; (2): what keeps a
    # sponsorship going.
    "sponsorship": [
        C(
            "favourable_conditions",
            "Make a list of criteria for evaluating sponsors",
            "Създайте списък с критерии за оценка на спонсорите",
            "The need for money does not justify accepting any sponsor: decide in advance what "
            "you accept and what you do not.",
            "Нуждата от финансов ресурс не оправдава одобрението на всеки спонсор: решете "
            "предварително какво приемате и какво не.",
        ),
        C(
            "strategy",
            "Check the fit between the company and the NGO",
            "Проверете съответствието между фирмата и НПО-то",
            "Do the company's business and image fit your mission and values?",
            "Съвместими ли са дейността и имиджът на фирмата с вашата мисия и ценности?",
        ),
        C(
            "strategy",
            "Check the company's previous activity and partnerships",
            "Проверете предишната дейност и партньорства на компанията",
            "Past activity and partnerships show whether the company is compatible with the cause.",
            "Предишната дейност и партньорства показват дали компанията е съвместима с каузата.",
        ),
        C(
            "contact",
            "Approach the company appropriately",
            "Свържете се с компанията по подходящ начин",
            "Go to the right person with a short proposal: the cause, what you ask for and what "
            "the company gets in return.",
            "Обърнете се към правилния човек с кратко предложение: каузата, какво искате и какво "
            "получава компанията в замяна.",
        ),
        C(
            "negotiate",
            "Agree what each side offers",
            "Договорете какво предлага всяка страна",
            "Funds or in-kind support from the company; public recognition, visibility and "
            "networking at your events from the NGO. Treat the relationship as strategic and "
            "mutually beneficial.",
            "Средства или непарична подкрепа от компанията; публично признание, видимост и "
            "нетуъркинг на вашите събития от НПО-то. Отнасяйте се към връзката като към "
            "стратегическа и взаимоизгодна.",
        ),
        C(
            "duties",
            "Appoint a contact person for the sponsor",
            "Определете лице за контакт със спонсора",
            "Someone who can “speak the same language” as the company's representatives.",
            "Някой, който може да „говори на същия език“ като представителите на компанията.",
        ),
        C(
            "joint_strategies",
            "Involve the sponsor in planning",
            "Включете спонсора в планирането",
            "Ask how the company wants to be involved and plan the next steps with it.",
            "Попитайте как компанията иска да бъде включена и планирайте следващите стъпки заедно.",
        ),
        C(
            "joint_projects",
            "Invite company representatives to events",
            "Канете представители на компанията на събития",
            "Invite them to many events and create networking opportunities for them.",
            "Канете ги на множество събития и създавайте възможности за нетуъркинг.",
        ),
        C(
            "resources",
            "Propose a longer sponsorship",
            "Предложете продължително спонсорство",
            "Mutually beneficial relations, treated as strategic, raise the chances of a long "
            "sponsorship; offer further engagement.",
            "Взаимоизгодните отношения, разглеждани като стратегически, повишават шансовете за "
            "продължително спонсорство; предложете по-нататъшна ангажираност.",
        ),
        C(
            "evaluate",
            "Review the sponsorship against your criteria",
            "Оценете спонсорството спрямо критериите си",
            "Did the fit hold, and what did each side get from it?",
            "Потвърди ли се съответствието и какво получи всяка страна?",
        ),
        C(
            "loyalty",
            "Recognise the company's contribution publicly",
            "Признайте публично приноса на компанията",
            "Name the sponsor in publications, at events and on the website.",
            "Посочете спонсора в публикации, на събития и на уебсайта.",
        ),
        C(
            "loyalty",
            "Thank the sponsor in a fitting way",
            "Благодарете на спонсора по подходящ начин",
            "Every sponsor should be thanked in a specific and appropriate way.",
            "На всеки спонсор трябва да се благодари по определен и подходящ начин.",
        ),
        C(
            "follow_up",
            "Keep the sponsor informed",
            "Дръжте спонсора информиран",
            "Report on the NGO's activities and how they develop, also after the sponsored "
            "project ends.",
            "Информирайте го за дейностите на НПО-то и тяхното развитие и след края на "
            "спонсорирания проект.",
        ),
    ],
    "licensing": [
        C(
            "favourable_conditions",
            "List the intellectual property you could license",
            "Опишете интелектуалната собственост, която може да се лицензира",
            "Technology (an app), patents, logos, photos or music – or the intellectual property "
            "you need from others.",
            "Технология (приложение), патенти, лога, снимки или музика – или интелектуалната "
            "собственост, от която вие се нуждаете.",
        ),
        C(
            "strategy",
            "Link licensing to your strategy and goals",
            "Свържете лицензирането със стратегията и целите си",
            "Licensing intellectual property rights to third parties should always serve the "
            "organisation's strategy and goals.",
            "Лицензирането на права върху интелектуална собственост трябва винаги да е свързано "
            "със стратегията и целите на организацията.",
        ),
        C(
            "strategy",
            "Decide: licensor or licensee",
            "Решете: лицензодател или лицензополучател",
            "An NGO can be either; as licensor its licensee is most often a business partner, "
            "but non-profits can be licensees too.",
            "НПО-то може да бъде и двете; като лицензодател получателят най-често е бизнес "
            "партньор, но и организации с нестопанска цел могат да бъдат получатели.",
        ),
        C(
            "contact",
            "Approach potential licensees or licensors",
            "Свържете се с потенциални лицензополучатели или лицензодатели",
            "Show what the licence brings them: a recognisable cause, new products, closer ties "
            "with the NGO.",
            "Покажете какво им носи лицензът: разпознаваема кауза, нови продукти, по-тесни връзки "
            "с НПО-то.",
        ),
        C(
            "negotiate",
            "Agree exclusivity and territory",
            "Договорете ексклузивност и територия",
            "Exclusive or non-exclusive, and whether the licence is limited to a territory.",
            "Ексклузивен или неексклузивен лиценз и дали е ограничен до определена територия.",
        ),
        C(
            "negotiate",
            "Agree the royalty",
            "Договорете възнаграждението",
            "Usually a percentage of all proceeds from using the licensed product; a licence can "
            "also be royalty-free.",
            "Обикновено процент от всички печалби от използването на лицензирания продукт; "
            "лицензът може да бъде и безвъзмезден.",
        ),
        C(
            "negotiate",
            "Agree the term",
            "Договорете срока",
            "How long the licence runs and how it is renewed or ended.",
            "Колко дълго е валиден лицензът и как се подновява или прекратява.",
        ),
        C(
            "negotiate",
            "Sign a written licence",
            "Подпишете писмен лиценз",
            "The licence is a written document in which the owner (the licensor) allows licensed "
            "access to its intellectual property in a defined way.",
            "Лицензът е писмен документ, с който собственикът (лицензодателят) позволява "
            "лицензиран достъп до интелектуалната си собственост по определен начин.",
        ),
        C(
            "duties",
            "Name who manages the licence",
            "Определете кой управлява лиценза",
            "Who checks how the intellectual property is used and follows the royalty reports "
            "and payments.",
            "Кой следи как се използва интелектуалната собственост и отчетите и плащанията по "
            "възнаграждението.",
        ),
        C(
            "joint_strategies",
            "Plan joint ventures",
            "Планирайте съвместни начинания",
            "Licensing brings closer ties with (business) partners and joint ventures.",
            "Лицензирането води до по-тесни връзки с (бизнес) партньори и до съвместни начинания.",
        ),
        C(
            "joint_projects",
            "Develop licensed products together",
            "Разработете заедно лицензирани продукти",
            "A wider range of tradable products that carry the cause.",
            "По-широка гама продукти, с които може да се търгува и които носят каузата.",
        ),
        C(
            "resources",
            "Track royalty income",
            "Следете приходите от възнаграждения",
            "Licensing adds another type of revenue for the NGO.",
            "Лицензирането добавя още един вид приходи за НПО-то.",
        ),
        C(
            "evaluate",
            "Evaluate the benefits of the licence",
            "Оценете ползите от лиценза",
            "Visibility of the cause and the organisation, closer ties with partners, joint "
            "ventures, capacity built, revenue.",
            "Известност и разпознаваемост на каузата и организацията, по-тесни връзки с "
            "партньори, съвместни начинания, развити способности, приходи.",
        ),
        C(
            "loyalty",
            "Strengthen ties with the partner",
            "Укрепете връзките с партньора",
            "Share the results and plan further joint ventures.",
            "Споделете резултатите и планирайте нови съвместни начинания.",
        ),
        C(
            "follow_up",
            "Review the licence before its term ends",
            "Прегледайте лиценза преди изтичането на срока",
            "Decide whether to renew, change or end it.",
            "Решете дали да го подновите, промените или прекратите.",
        ),
    ],
    # "Подкрепящи/застъпници", "Изберете подкрепящ/застъпник", "Привличане на стратегически
    # подкрепи".
    "supporter": [
        C(
            "favourable_conditions",
            "Identify respected influencers",
            "Открийте уважавани инфлуенсъри",
            "People with wide support and respect among many stakeholders; their support raises "
            "trust in your NGO and its cause.",
            "Хора, ползващи се с голяма подкрепа и уважение сред множество заинтересовани "
            "страни; подкрепата им повишава доверието във вашето НПО и каузата му.",
        ),
        C(
            "strategy",
            "Check image and influence among stakeholders",
            "Проверете имиджа и влиянието сред заинтересованите страни",
            "How the supporter is seen among stakeholders and the organisation's communities.",
            "Как е възприеман подкрепящият сред заинтересованите страни и общностите на "
            "организацията.",
        ),
        C(
            "strategy",
            "Check fit with the mission and the organisation",
            "Проверете съвместимостта с мисията и организацията",
            "The supporter should fit the mission, the organisation's profile and the "
            "organisation itself.",
            "Подкрепящият трябва да е съвместим с мисията, с профила на организацията и със "
            "самата организация.",
        ),
        C(
            "strategy",
            "Check the supporter's biography related to the cause",
            "Проверете биографията на подкрепящия във връзка с каузата",
            "What the supporter has done or said about the cause.",
            "Какво е правил или казвал подкрепящият по отношение на каузата.",
        ),
        C(
            "contact",
            "Approach the supporter appropriately",
            "Свържете се с подкрепящия по подходящ начин",
            "Present the cause and the campaign and the kind of support you ask for.",
            "Представете каузата и кампанията и каква подкрепа търсите.",
        ),
        C(
            "negotiate",
            "Ask how they want to be involved",
            "Попитайте как иска да бъде включен",
            "Agree the form of support: promoting the cause, speaking up for it, helping to "
            "raise funds.",
            "Договорете формата на подкрепа: популяризиране на каузата, застъпничество, помощ "
            "при набирането на средства.",
        ),
        C(
            "duties",
            "Name who looks after the supporter",
            "Определете кой от екипа се грижи за подкрепящия",
            "One person keeps the supporter informed and answers quickly.",
            "Един човек държи подкрепящия информиран и отговаря бързо.",
        ),
        C(
            "joint_strategies",
            "Involve the supporter in planning the next steps",
            "Включете подкрепящия в планирането на следващите стъпки",
            "It increases trust in the campaign team and has a positive effect on the "
            "supporter's attitude.",
            "Това увеличава доверието в екипа на кампанията и влияе позитивно на нагласата на "
            "подкрепящия.",
        ),
        C(
            "joint_projects",
            "Keep the supporter informed about the campaigns",
            "Информирайте подкрепящия за кампаниите",
            "The supporter should know how the campaigns they take part in are developing.",
            "Подкрепящият трябва да е информиран за развитието на кампаниите, в които участва.",
        ),
        C(
            "resources",
            "Use the support in fundraising",
            "Използвайте подкрепата при набирането на средства",
            "A respected supporter raises trust in the NGO and helps promote the cause and raise "
            "funds.",
            "Уважаваният подкрепящ повишава доверието в НПО-то и помага за популяризирането на "
            "каузата и набирането на средства.",
        ),
        C(
            "evaluate",
            "Review the impact of the support",
            "Оценете въздействието на подкрепата",
            "What the support changed for awareness, trust and funds raised.",
            "Какво промени подкрепата за информираността, доверието и набраните средства.",
        ),
        C(
            "loyalty",
            "Recognise the supporter's contribution publicly",
            "Признайте публично приноса на подкрепящия",
            "Public recognition is not only kind but also a strategic decision.",
            "Публичното признаване на приноса е не само мило, но и стратегическо решение.",
        ),
        C(
            "loyalty",
            "Strengthen the relationship over time",
            "Укрепвайте връзката с течение на времето",
            "Stay in touch between campaigns, not only when you need support.",
            "Поддържайте връзка и между кампаниите, не само когато имате нужда от подкрепа.",
        ),
        C(
            "follow_up",
            "Offer further engagement",
            "Предложете последваща ангажираност",
            "Offer the supporter opportunities to take part in the next campaigns.",
            "Предложете на подкрепящия възможности да участва и в следващите кампании.",
        ),
    ],
    "crowdsourcing": [
        C(
            "favourable_conditions",
            "Build a community around the cause",
            "Изградете общност около каузата",
            "Crowdsourcing draws resources from an external, open group; grow that group before "
            "you ask.",
            "Краудсорсингът привлича ресурси от външна, отворена група; изградете я, преди да "
            "поискате.",
        ),
        C(
            "strategy",
            "Choose the format",
            "Изберете формата",
            "Crowdfunding, an idea contest, an innovation contest or a hackathon.",
            "Краудфъндинг, конкурс за идеи, състезание за иновации или хакатон.",
        ),
        C(
            "strategy",
            "Set the goal and the deadline",
            "Определете целта и срока",
            "The amount to raise or the problem to solve, and by when.",
            "Сумата, която да наберете, или проблемът, който да бъде решен, и до кога.",
        ),
        C(
            "contact",
            "Choose the platform and reach people",
            "Изберете платформа и достигнете до хората",
            "Use your contacts database, social media and partners to reach people.",
            "Използвайте базата с контакти, социалните мрежи и партньорите си, за да достигнете "
            "до хората.",
        ),
        C(
            "negotiate",
            "Set the rules and rewards",
            "Определете правилата и наградите",
            "Terms for participants, prizes, and who owns the ideas and results.",
            "Условия за участниците, награди и кой притежава идеите и резултатите.",
        ),
        C(
            "duties",
            "Name who runs the campaign",
            "Определете кой води кампанията",
            "Someone who answers participants quickly and personally.",
            "Човек, който отговаря на участниците бързо и лично.",
        ),
        C(
            "joint_strategies",
            "Plan the communication with partners",
            "Планирайте комуникацията с партньорите",
            "Agree with partners and media how they help spread the campaign.",
            "Договорете с партньорите и медиите как да помогнат за разпространението на "
            "кампанията.",
        ),
        C(
            "joint_projects",
            "Run the campaign, contest or hackathon",
            "Проведете кампанията, конкурса или хакатона",
            "Keep it visible while it runs and report on progress.",
            "Поддържайте я видима, докато трае, и съобщавайте за напредъка.",
        ),
        C(
            "resources",
            "Turn participants into supporters",
            "Превърнете участниците в подкрепящи",
            "Invite participants to volunteer, give again or become supporters.",
            "Поканете участниците да станат доброволци, дарители или подкрепящи.",
        ),
        C(
            "evaluate",
            "Evaluate the results",
            "Оценете резултатите",
            "Funds raised, ideas received and number of participants, against the goal.",
            "Набрани средства, получени идеи и брой участници – спрямо целта.",
        ),
        C(
            "loyalty",
            "Thank the participants",
            "Благодарете на участниците",
            "Thank each in a fitting way and show what their contribution made possible.",
            "Благодарете на всеки по подходящ начин и покажете какво е станало възможно с "
            "неговия принос.",
        ),
        C(
            "follow_up",
            "Report what was achieved",
            "Разкажете какво е постигнато",
            "Keep participants informed about how the funds or ideas are used.",
            "Информирайте участниците как се използват средствата или идеите.",
        ),
    ],
}

del C

# --- evaluation -----------------------------------------------------------------------------

# The questions of the course assignment, as the learner's forum answer quotes them.
EVALUATION_QUESTIONS: list[Question] = [
    Question(
        "created",
        "How was the partnership created?",
        "Как беше създадено партньорството?",
    ),
    Question(
        "initiated",
        "Who initiated the partnership, and what was the process?",
        "Кой инициира партньорството и какъв беше процесът?",
    ),
    Question(
        "useful_both",
        "Was the partnership useful for both sides?",
        "Беше ли партньорството полезно и за двете страни?",
    ),
    Question(
        "useful_community",
        "Was the partnership useful for the community and the people?",
        "Беше ли партньорството полезно за общността и хората?",
    ),
    Question(
        "challenges",
        "What challenges did you face within the partnership?",
        "С какви предизвикателства се сблъсквахте в рамките на партньорството?",
    ),
    Question(
        "overcome",
        "Did you manage to overcome the challenges, and how?",
        "Успяхте ли да преодолеете предизвикателствата и как?",
    ),
    Question(
        "change",
        "If you could start again, what would you change in how the partnership was created "
        "or how it worked?",
        "Ако можехте да започнете отначало, какво бихте променили в начина, по който е "
        "създадено или функционира партньорството?",
    ),
]

RATING_MIN = 1
RATING_MAX = 5

EVALUATION_RATINGS: list[Rating] = [
    Rating(
        "goals_met",
        "How far were the common goals met? (1 = not at all, 5 = fully)",
        "Доколко бяха постигнати общите цели? (1 = изобщо не, 5 = напълно)",
    ),
    Rating(
        "communication",
        "How clear and regular was the communication between the partners? "
        "(1 = poor, 5 = excellent)",
        "Колко ясна и редовна беше комуникацията между партньорите? (1 = слаба, 5 = отлична)",
    ),
    Rating(
        "responsiveness",
        "How quickly did the partners answer? (1 = not at all, 5 = promptly)",
        "Колко бързо отговаряха партньорите? (1 = изобщо не отговаряха, 5 = веднага)",
    ),
    Rating(
        "contributions_delivered",
        "Did the partners deliver the contributions they agreed to? (1 = none, 5 = all)",
        "Предоставиха ли партньорите договорения принос? (1 = нищо, 5 = изцяло)",
    ),
    Rating(
        "would_partner_again",
        "Would you work with these partners again? (1 = certainly not, 5 = certainly)",
        "Бихте ли работили отново с тези партньори? (1 = със сигурност не, 5 = със сигурност да)",
    ),
]

# --- partners -------------------------------------------------------------------------------

PARTNER_ROLES: list[Role] = [
    Role("lead", "Lead organisation", "Водеща организация"),
    Role("partner", "Partner", "Партньор"),
    Role("associate", "Associate partner", "Асоцииран партньор"),
    Role("sponsor", "Sponsor", "Спонсор"),
    Role("media_partner", "Media partner", "Медиен партньор"),
]

# --- look-ups -------------------------------------------------------------------------------

_PHASE_KEYS = [p.key for p in PHASES]
_STEPS = {s.key: s for s in STEPS}
_STEP_INDEX = {s.key: i for i, s in enumerate(STEPS)}
_FORMS = {f.key: f for f in FORMS}


def steps_of(phase: str) -> list[Step]:
    """The steps of a phase, in the order of the flow. KeyError for an unknown phase."""
    if phase not in _PHASE_KEYS:
        raise KeyError(phase)
    return [s for s in STEPS if s.phase == phase]


def step(key: str) -> Step:
    """The step with this key. KeyError for an unknown key."""
    return _STEPS[key]


def step_or_none(key: str | None) -> Step | None:
    """The step with this key, or None when there is none (e.g. a key stored long ago)."""
    return _STEPS.get(key) if key is not None else None


def step_index(key: str | None) -> int:
    """The position of a step in the flow; an unknown key sorts after every step."""
    return _STEP_INDEX.get(key, len(STEPS)) if key is not None else len(STEPS)


def checklist_for(form: str) -> list[ChecklistDefault]:
    """A copy of the default checklist of a form, in the order of the flow. KeyError for an
    unknown form."""
    return list(DEFAULT_CHECKLISTS[form])


def form_name(key: str, lang: str) -> str:
    """The name of a form in Bulgarian (lang "bg", "bg-BG"…) or otherwise English. KeyError for
    an unknown form."""
    return _FORMS[key].name(lang)
